import Foundation
import KilnSpec
import KilnTestSupport
import Testing

/// `kiln validate` as a user runs it: on the examples, on a folder full of mistakes, in text and JSON, with symlinks,
/// and with wrong command lines.
@Suite(.tags(.binary))
struct ValidateCommandTests {
    /// The example folders shipped in `examples/` that hold specs.
    static let examples = ["examples/quickstart", "examples/catalog", "examples/debian"]

    @Test(arguments: examples)
    func everyExampleValidates(_ example: String) async throws {
        let result = try await KilnBinary.run(["validate", "--repo", KilnBinary.packageRoot, "--path", example])
        #expect(result.exitCode == 0, "\(result)")
        #expect(result.stdout.hasPrefix("valid: "), "\(result)")
        #expect(result.stderr.isEmpty)
    }

    @Test func everyExampleFolderIsCovered() throws {
        let folders = try FileManager.default.contentsOfDirectory(atPath: KilnBinary.packageRoot + "/examples")
        let withSpecs = folders.filter { folder in
            let walker = FileManager.default.enumerator(atPath: "\(KilnBinary.packageRoot)/examples/\(folder)")
            while let item = walker?.nextObject() as? String {
                // Hidden folders (examples/ci/.github) hold CI files, not specs; Kiln skips them too.
                let hidden = item.split(separator: "/").contains { $0.hasPrefix(".") }
                if !hidden, item.hasSuffix(".yaml") || item.hasSuffix(".yml") { return true }
            }
            return false
        }
        #expect(Set(withSpecs.map { "examples/\($0)" }) == Set(Self.examples))
    }

    @Test func quickstartListsItsObjectsInJSON() async throws {
        let result = try await KilnBinary.run([
            "validate", "--repo", KilnBinary.packageRoot, "--path", "examples/quickstart",
            "--format", "json"
        ])
        #expect(result.exitCode == 0, "\(result)")
        let json = try JSONDecoder().decode(SpecValue.self, from: Data(result.stdout.utf8))
        #expect(json["valid"] == .bool(true))
        #expect(json["errors"] == .list([]))
        let objects = (json["objects"]?.list ?? []).map { "\($0["kind"]?.string ?? "")/\($0["name"]?.string ?? "")" }
        #expect(objects.sorted() == ["Image/busybox", "ImageBuild/busybox", "VirtualMachine/hello-1"])
        for object in json["objects"]?.list ?? [] {
            #expect(object["specHash"]?.string?.count == 64)
            #expect(object["file"]?.string?.hasSuffix(".yaml") == true)
        }
    }

    @Test func badFolderReportsEveryErrorWithItsPlace() async throws {
        try await Scratch.with { scratch in
            let root = try SpecFolder.write(SpecFolder.mistakes, in: scratch)
            let result = try await KilnBinary.run(["validate", "--repo", root])
            #expect(result.exitCode == 1, "\(result)")
            #expect(result.stdout.isEmpty)
            let lines = result.stderr.split(separator: "\n").map(String.init)
            #expect(Array(lines.dropLast()) == SpecFolder.mistakeLines)
            #expect(lines.last == "invalid: 9 errors in 5 files")
        }
    }

    @Test func badFolderInJSONListsTheSameErrors() async throws {
        try await Scratch.with { scratch in
            let root = try SpecFolder.write(SpecFolder.mistakes, in: scratch)
            let result = try await KilnBinary.run(["validate", "--repo", root, "--format", "json"])
            #expect(result.exitCode == 1, "\(result)")
            let json = try JSONDecoder().decode(SpecValue.self, from: Data(result.stdout.utf8))
            #expect(json["valid"] == .bool(false))
            #expect(json["objects"] == .list([]))
            let errors = json["errors"]?.list ?? []
            let rendered = errors.map { e in
                "\(e["file"]?.string ?? ""):\(e["line"]?.int ?? 0):\(e["column"]?.int ?? 0): \(e["path"]?.string ?? ""): \(e["message"]?.string ?? "")"
            }
            #expect(rendered == SpecFolder.mistakeLines)
        }
    }

    @Test func theSameFolderValidatesAsASubfolder() async throws {
        try await Scratch.with { scratch in
            let files = [
                "team/scripts/provision.sh": Specs.script(writing: "hello"),
                "team/build.yaml": Specs.build("web"),
                "team/image.yaml": Specs.image("web", build: "web")
            ]
            let root = try SpecFolder.write(files, in: scratch, named: "repo")
            let inside = try await KilnBinary.run(["validate", "--repo", root, "--path", "team"])
            #expect(inside.exitCode == 0, "\(inside)")
            #expect(inside.stdout == "valid: 2 objects (1 ImageBuild, 1 Image, 0 VirtualMachine)\n")
            // From the repository's root, the script path (relative to the spec root) names nothing.
            let outside = try await KilnBinary.run(["validate", "--repo", root])
            #expect(outside.exitCode == 1)
            #expect(
                outside.stderr.contains(
                    "team/build.yaml:10:31: spec.scripts[0].path: no file scripts/provision.sh under the spec root"),
                "\(outside)")
        }
    }

    @Test func symlinkedSpecsAndScriptsAreRefused() async throws {
        try await Scratch.with { scratch in
            let root = try SpecFolder.write(
                [
                    "real.sh": "#!/bin/sh\ntrue\n",
                    "build.yaml": Specs.build("db", script: "scripts/linked.sh")
                ], in: scratch)
            try FileManager.default.createDirectory(atPath: root + "/scripts", withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(
                atPath: root + "/scripts/linked.sh", withDestinationPath: "../real.sh")
            try FileManager.default.createSymbolicLink(
                atPath: root + "/passwd.yaml", withDestinationPath: "/etc/passwd")
            let result = try await KilnBinary.run(["validate", "--repo", root])
            #expect(result.exitCode == 1, "\(result)")
            #expect(
                result.stderr == """
                    build.yaml:10:31: spec.scripts[0].path: scripts/linked.sh is a symlink; Kiln never follows symlinks in a spec repository
                    passwd.yaml:1:1: is a symlink; Kiln never follows symlinks in a spec repository (commit the file itself)
                    invalid: 2 errors in 2 files

                    """)
            // A spec root that is itself a symlink is refused too.
            try FileManager.default.createSymbolicLink(atPath: scratch.file("elsewhere"), withDestinationPath: root)
            let linkedRoot = try await KilnBinary.run(["validate", "--repo", scratch.path, "--path", "elsewhere"])
            #expect(linkedRoot.exitCode == 1)
            #expect(linkedRoot.stderr.hasPrefix("elsewhere:1:1: the spec root is a symlink\n"), "\(linkedRoot)")
        }
    }

    @Test func missingFolderIsAnError() async throws {
        try await Scratch.with { scratch in
            let result = try await KilnBinary.run(["validate", "--repo", scratch.file("nothing-here")])
            #expect(result.exitCode == 1)
            #expect(result.stderr.contains("the spec root does not exist (check --repo and --path)"), "\(result)")
        }
    }

    /// Command lines Kiln must refuse with exit 2 and a message naming the problem.
    static let usageErrors: [([String], String)] = [
        (["validate", "--bogus"], "Unknown option '--bogus'"),
        (["validate", "--format", "xml"], "The value 'xml' is invalid for '--format <format>'"),
        (
            ["validate", "--path", "../outside"],
            "--path must be a folder inside the repository, without '..' (got ../outside)"
        ),
        (["validate", "--path", "/etc"], "--path must be a folder inside the repository"),
        (["frobnicate"], "Unexpected argument 'frobnicate'"),
        (["get", "executions"], "kiln get executions needs a build's name"),
        (["get", "widgets"], "The value 'widgets' is invalid for '<what>'"),
        (["plan", "--format", "html"], "The value 'html' is invalid for '--format <format>'"),
        (["sync", "--max-deletions", "-1"], "--max-deletions"),
        (["sync", "--timeout", "soon"], "The value 'soon' is invalid for '--timeout <timeout>'"),
        (["sync", "--vm-initrd", "/initrd.img"], "--vm-initrd and --vm-append need --vm-kernel"),
        (["sync", "--vm-accel", "kmv"], "The value 'kmv' is invalid for '--vm-accel <vm-accel>'"),
        (["serve", "--listen", "0.0.0.0:8080"], "--listen 0.0.0.0:8080 is not loopback")
    ]

    @Test(arguments: usageErrors)
    func usageErrorsExitTwo(_ arguments: [String], _ message: String) async throws {
        try await Scratch.with { scratch in
            let result = try await KilnBinary.run(arguments, directory: scratch.path)
            #expect(result.exitCode == 2, "\(arguments): \(result)")
            #expect(result.stdout.isEmpty)
            #expect(result.stderr.contains(message), "\(arguments): \(result)")
            // A refused command line leaves nothing behind (no ./.kiln data dir).
            #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty)
        }
    }
}
