import Foundation
import KilnCatalog
import KilnPlanner
import KilnSpec
import KilnTestSupport
import Testing

/// `specs/plan.schema.json` describes `kiln plan --format json`: real previews of every kind (creates, updates,
/// deletes over the budget, consequences from a catalog, no change) and the real binary's output for a valid and an
/// invalid `--to` all pass `check-jsonschema` (PyPI), and plans that break the contract do not.
@Suite struct PlanJSONSchemaTests {
    static let schema = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("specs/plan.schema.json").path

    // MARK: previews

    static let build = """
        apiVersion: kiln.dev/v1
        kind: ImageBuild
        metadata: {name: busybox}
        spec:
          description: DESCRIPTION
          type: qemu
          source: {scratch: true}
          scripts: [{name: build, path: scripts/provision.sh}]
          sshPassword: {fromEnv: SECRET}
          conversionFormats: [FORMATS]
          keepResults: 1
        """

    static func build(description: String = "busybox", secret: String = "KILN_X", formats: String = "qcow2") -> String {
        build.replacingOccurrences(of: "DESCRIPTION", with: description).replacingOccurrences(
            of: "SECRET", with: secret
        )
        .replacingOccurrences(of: "FORMATS", with: formats)
    }

    static func docs(
        description: String = "busybox", secret: String = "KILN_X", formats: String = "qcow2", cpus: Int = 1,
        power: String = "running", vms: Int = 1
    ) -> [String] {
        [build(description: description, secret: secret, formats: formats), Specs.image("busybox", build: "busybox")]
            + (0..<vms).map { Specs.vm("vm-\($0 + 1)", image: "busybox", cpus: cpus, powerState: power) }
    }

    static func preview(_ from: [String]?, _ to: [String], actual: CatalogState? = nil) -> ChangePreview {
        let before = from.map { Fixture.snapshot($0, commit: "c1") } ?? .empty
        return ChangePreview.make(
            from: before, to: Fixture.snapshot(to, commit: "c2"), actual: actual, policy: Fixture.policy)
    }

    /// Previews of every kind.
    enum Case: String, CaseIterable, Sendable {
        case create, update, secretReferenceOnly, deleteOverTheBudget, noChange, consequencesFromACatalog

        var preview: ChangePreview {
            switch self {
            case .create: PlanJSONSchemaTests.preview(nil, docs())
            case .update:
                PlanJSONSchemaTests.preview(docs(), docs(description: "busybox 2", formats: "qcow2, vmdk", cpus: 2))
            case .secretReferenceOnly: PlanJSONSchemaTests.preview(docs(), docs(secret: "KILN_Y"))
            case .deleteOverTheBudget: PlanJSONSchemaTests.preview(docs(vms: 6), docs(vms: 0))
            case .noChange: PlanJSONSchemaTests.preview(docs(), docs())
            case .consequencesFromACatalog:
                PlanJSONSchemaTests.preview(
                    docs(), docs(description: "busybox 2", power: "stopped"),
                    actual: {
                        var actual = Fixture.settled(Fixture.snapshot(docs(), commit: "c1"))
                        actual.executions["busybox"]?.append(
                            Fixture.execution("busybox", 2, .success, inputs: "old", id: 7))
                        return actual
                    }())
            }
        }

        /// What the JSON must say besides matching the schema.
        func expectations(_ plan: [String: Any]) {
            let changes = plan["changes"] as? [[String: Any]] ?? []
            let actions = (plan["consequences"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String }
            switch self {
            case .create:
                #expect(plan["from"] is NSNull)
                let summary = plan["summary"] as? [String: Int] ?? [:]
                #expect(summary["create"] == 3 && summary["run"] == 1 && summary["resolve"] == 1, "\(summary)")
                let fields = changes.first?["fields"] as? [[String: Any]]
                let spec = fields?.first { $0["path"] as? String == "spec" }?["new"] as? [String: Any]
                #expect(spec?["sshPassword"] as? String == "************")
            case .update:
                #expect(changes.map { $0["change"] as? String } == ["update", "update"])
                let fields = changes.first?["fields"] as? [[String: Any]] ?? []
                #expect(fields.map { $0["path"] as? String } == ["spec.conversionFormats", "spec.description"])
                #expect(fields.last?["old"] as? String == "busybox")
                #expect(fields.last?["new"] as? String == "busybox 2")
                #expect(fields.first?["new"] as? [String] == ["qcow2", "vmdk"])
                #expect(
                    actions.contains("run") && actions.contains("resolve") && actions.contains("recreate"), "\(actions)"
                )
            case .secretReferenceOnly:
                #expect(changes.first?["change"] as? String == "update")
                // A changed secret reference shows where it changed, never what it was or became.
                let fields = changes.first?["fields"] as? [[String: Any]] ?? []
                #expect(fields.map { $0["path"] as? String } == ["spec.sshPassword"])
                #expect(fields.first?["old"] as? String == "************")
                #expect(fields.first?["new"] as? String == "************ (changed)")
            case .deleteOverTheBudget:
                #expect(plan["summary"] as? [String: Int] == ["delete": 6])
                let deletions = (plan["destructive"] as? [String: Any])?["deletions"] as? [String]
                #expect(deletions?.count == 6)
                #expect(deletions?.first == "VirtualMachine/vm-1")
            case .noChange:
                #expect(plan["empty"] as? Bool == true)
                #expect(plan["summary"] as? [String: Int] == [:])
            case .consequencesFromACatalog:
                #expect(actions.filter { $0 == "prune" }.count == 2)
                #expect(actions.contains("stop"))
            }
        }
    }

    @Test(arguments: Case.allCases)
    func everyKindOfPreviewMatchesTheSchema(_ previewCase: Case) async throws {
        let text = PreviewRenderer.json(previewCase.preview).prettyJSON
        #expect(!text.contains("KILN_X") && !text.contains("KILN_Y"))
        let plan = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        previewCase.expectations(plan)
        let folder = try Folder()
        let file = try folder.write("plan.json", text)
        let failures = try await Self.check([file])
        #expect(failures[file] == nil, "\(failures[file] ?? "")")
    }

    // MARK: the binary

    /// `kiln plan --format json` on a real repository: a valid commit (exit 3), no change (exit 0) and an invalid
    /// `--to` (exit 1, the errors shape).
    @Test func theBinarysOutputMatchesTheSchema() async throws {
        let repo = try Folder()
        try await Self.git(repo, "init", "-q", "-b", "main")
        try repo.write("scripts/provision.sh", Fixture.script)
        try repo.write("build.yaml", Self.build())
        try repo.write("image.yaml", Specs.image("busybox", build: "busybox"))
        let first = try await Self.commit(repo, "Add busybox")
        try repo.write("build.yaml", Self.build().replacingOccurrences(of: "[qcow2]", with: "[qcow9]"))
        let broken = try await Self.commit(repo, "Break busybox")

        let data = try Folder()
        func plan(_ arguments: [String]) async throws -> (Int32, String) {
            let out = try await Self.run(
                try Self.kiln(), ["plan", "--repo", repo.path, "--data-dir", data.path, "--format", "json"] + arguments)
            return (out.status, out.stdout)
        }
        let (createStatus, create) = try await plan(["--to", first])
        let (sameStatus, same) = try await plan(["--from", first, "--to", first])
        let (invalidStatus, invalid) = try await plan(["--from", first, "--to", broken])
        #expect(createStatus == 3)
        #expect(sameStatus == 0)
        #expect(invalidStatus == 1)
        #expect(create.contains("\"sshPassword\": \"************\""))
        let errors = try #require(try JSONSerialization.jsonObject(with: Data(invalid.utf8)) as? [String: Any])
        #expect(errors["valid"] as? Bool == false)
        #expect(((errors["errors"] as? [[String: Any]])?.first?["path"] as? String) == "spec.conversionFormats[0]")

        let files = try [("create", create), ("no change", same), ("invalid", invalid)].map { name, text in
            (name, try data.write("\(name).json", text))
        }
        let failures = try await Self.check(files.map(\.1))
        for (name, file) in files {
            #expect(failures[file] == nil, "\(name): \(failures[file] ?? "")")
        }
    }

    // MARK: controls

    /// Plans that break the contract are refused, each for its own reason, so that passing means something.
    @Test func theSchemaRefusesWhatBreaksTheContract() async throws {
        let good = PreviewRenderer.json(Self.preview(nil, Self.docs())).prettyJSON
        let plan = try #require(try JSONSerialization.jsonObject(with: Data(good.utf8)) as? [String: Any])
        func changed(_ change: (inout [String: Any]) -> Void) -> [String: Any] {
            var copy = plan
            change(&copy)
            return copy
        }
        var changes = plan["changes"] as? [[String: Any]] ?? []
        changes[0]["change"] = "modify"
        let bad: [(String, Any)] = [
            ("a newer version", changed { $0["kilnPlanVersion"] = 2 }),
            ("an unknown change", changed { $0["changes"] = changes }),
            ("an unknown summary key", changed { $0["summary"] = ["rebuild": 1] }),
            ("empty with changes", changed { $0["empty"] = true }),
            (
                "not empty without anything",
                changed {
                    $0["changes"] = []
                    $0["consequences"] = []
                    $0["summary"] = [:]
                }
            ),
            ("an extra top-level key", changed { $0["valid"] = true }),
            ("a bad deletion key", changed { $0["destructive"] = ["reason": "r", "deletions": ["vm-1"]] }),
            (
                "an invalid shape that says valid",
                [
                    "kilnPlanVersion": 1, "valid": true, "to": ["commit": "c", "author": "a"],
                    "errors": [["file": "f", "line": 1, "column": 1, "path": "", "message": "m"]]
                ]
            ),
            (
                "an invalid shape without errors",
                [
                    "kilnPlanVersion": 1, "valid": false, "to": ["commit": "c", "author": "a"],
                    "errors": [] as [Any]
                ]
            )
        ]
        let folder = try Folder()
        let files = try bad.map { name, value in
            (
                name,
                try folder.write(
                    "\(name).json", String(decoding: try JSONSerialization.data(withJSONObject: value), as: UTF8.self))
            )
        }
        let control = try folder.write("good.json", good)
        let failures = try await Self.check(files.map(\.1) + [control])
        #expect(failures[control] == nil, "the unchanged plan: \(failures[control] ?? "")")
        for (name, file) in files {
            #expect(failures[file] != nil, "\(name) was accepted")
        }
    }

    // MARK: tools

    /// The files check-jsonschema refuses, with its messages.
    static func check(_ files: [String]) async throws -> [String: String] {
        let out = try await run(
            try tool("check-jsonschema", install: "pip install check-jsonschema"),
            ["--schemafile", schema, "--output-format", "json"] + files)
        guard let report = try? JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any] else {
            throw ToolError(description: "check-jsonschema gave no JSON report: \(out.stdout) \(out.stderr)")
        }
        var failures: [String: String] = [:]
        for key in ["errors", "parse_errors"] {
            for entry in report[key] as? [[String: Any]] ?? [] {
                guard let file = entry["filename"] as? String else { continue }
                failures[file, default: ""] +=
                    "\(entry["path"] as? String ?? "") \(entry["message"] as? String ?? "")\n"
            }
        }
        #expect((out.status == 0) == failures.isEmpty, "check-jsonschema exited \(out.status): \(out.stderr)")
        return failures
    }

    struct ToolError: Error, CustomStringConvertible {
        var description: String
    }

    static func tool(_ name: String, install: String) throws -> String {
        try ExternalTool.find(name, install: install)
    }

    static func kiln() throws -> String { try KilnBinary.require() }

    static func git(_ repo: Folder, _ arguments: String...) async throws {
        let out = try await run(try tool("git", install: "apt-get install git"), ["-C", repo.path] + arguments)
        guard out.status == 0 else { throw ToolError(description: "git \(arguments): \(out.stderr)") }
    }

    static func commit(_ repo: Folder, _ message: String) async throws -> String {
        try await git(repo, "add", "-A")
        try await git(repo, "-c", "user.name=Ada", "-c", "user.email=ada@example.org", "commit", "-q", "-m", message)
        let out = try await run(try tool("git", install: "apt-get install git"), ["-C", repo.path, "rev-parse", "HEAD"])
        return out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func run(
        _ executable: String, _ arguments: [String]
    ) async throws -> (status: Int32, stdout: String, stderr: String) {
        let result = try await ChildProcess.run(executable, arguments)
        return (result.signalled ? 128 + result.exitCode : result.exitCode, result.stdout, result.stderr)
    }

    /// A temporary folder, removed when the value goes away.
    final class Folder {
        let path: String

        init() throws {
            path =
                FileManager.default.temporaryDirectory.appendingPathComponent("kiln-plan-schema-\(UUID().uuidString)")
                .path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }

        deinit { try? FileManager.default.removeItem(atPath: path) }

        @discardableResult
        func write(_ relative: String, _ text: String) throws -> String {
            let file = URL(fileURLWithPath: path).appendingPathComponent(relative)
            try FileManager.default.createDirectory(
                at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: file)
            return file.path
        }
    }
}
