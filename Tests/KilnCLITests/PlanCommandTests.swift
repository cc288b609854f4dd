import Foundation
import KilnSpec
import KilnTestSupport
import Testing

/// `kiln plan` on real git repositories: a realistic pull request in every format against golden files, an empty
/// plan, an invalid head, a destructive change, and the revisions a user may (or may not) name.
@Suite(.tags(.binary))
struct PlanCommandTests {
    /// The plan formats and the extension of their golden files.
    static let formats = [("text", "txt"), ("json", "json"), ("markdown", "md")]

    /// Runs `kiln plan` on a fresh copy of the plan repositories.
    static func plan(_ arguments: [String], in scratch: Scratch) async throws -> ProcessResult {
        try await KilnBinary.run(["plan", "--repo", scratch.file("repo"), "--data-dir", scratch.dataDir] + arguments)
    }

    /// Runs `body` with the plan repositories in a new scratch folder, removed afterwards.
    static func withRepository(_ body: (Scratch, GitRepository) async throws -> Void) async throws {
        try await Scratch.with { scratch in
            let repo = try await PlanRepositories.make(at: scratch.file("repo"))
            try await body(scratch, repo)
        }
    }

    // MARK: a realistic change

    @Test(arguments: formats)
    func changeMatchesItsGoldenFile(_ format: String, _ ext: String) async throws {
        try await Self.withRepository { scratch, _ in
            let result = try await Self.plan(["--from", "v1", "--to", "feature", "--format", format], in: scratch)
            #expect(result.exitCode == 3, "\(result)")
            #expect(result.stderr.isEmpty)
            #expect(!result.stdout.contains("\u{1B}["), "no terminal colours when stdout is not a terminal")
            #expect(!result.stdout.contains("KILN_BUILD_PASSWORD"), "a secret's reference is masked too")
            Golden.check(result.stdout, "change.\(ext)")
        }
    }

    @Test func changeInTextShowsEveryChangeAndWhatFollows() async throws {
        try await Self.withRepository { scratch, _ in
            let text = try await Self.plan(["--from", "v1", "--to", "feature"], in: scratch).stdout
            for line in [
                "  ~ update ImageBuild/base  (builds/base.yaml:4:9)",
                "      spec.run.token: \"1\" → \"2\"",
                "      spec.sshPassword: (unset) → \"************\"",
                "      spec.sshUsername: (unset) → \"builder\"",
                "  + create Image/base  (images/base.yaml:4:9)",
                "  - delete VirtualMachine/old-1  (was vms/vms.yaml:15:9)",
                "  ~ update VirtualMachine/web-1  (vms/vms.yaml:4:9)",
                "      spec.memory: \"256mib\" → \"512mib\""
            ] {
                #expect(text.contains(line + "\n"), "missing: \(line)\n\(text)")
            }
            // Only the script changed for web: no spec update, but a run and its follow-ons.
            #expect(!text.contains("update ImageBuild/web"))
            for consequence in [
                "  » run ImageBuild/web: a new execution: the build's inputs changed (spec or scripts)",
                "  » resolve Image/web: moves to the new execution's qcow2 image once it succeeds (its version goes up)",
                "  » recreate VirtualMachine/web-1: its Image web changes when the new execution succeeds",
                "  » prune ImageBuild/web: after the new execution succeeds, execution #1 falls out of keepResults 1",
                "  » run ImageBuild/base: a new execution: run.token changed (1 → 2)",
                "  » resolve Image/base: moves to the new execution's qcow2 image once it succeeds"
            ] {
                #expect(text.contains(consequence), "missing: \(consequence)\n\(text)")
            }
            #expect(text.hasPrefix("Plan: "))
            #expect(text.contains(" by Grace Hopper: Roll out web v2\n"))
        }
    }

    @Test func changeInJSONFollowsTheSchema() async throws {
        try await Self.withRepository { scratch, repo in
            let result = try await Self.plan(["--from", "v1", "--to", "feature", "--format", "json"], in: scratch)
            let json = try JSONDecoder().decode(SpecValue.self, from: Data(result.stdout.utf8))
            #expect(json["kilnPlanVersion"] == .int(1))
            #expect(json["empty"] == .bool(false))
            #expect(json["destructive"] == .null)
            #expect(json["from"]?["commit"]?.string == (try await repo.revParse("v1")))
            #expect(json["to"]?["commit"]?.string == (try await repo.revParse("feature")))
            #expect(json["to"]?["author"]?.string == "Grace Hopper")
            let changes = (json["changes"]?.list ?? []).map {
                "\($0["change"]?.string ?? "") \($0["kind"]?.string ?? "")/\($0["name"]?.string ?? "")"
            }
            #expect(
                changes == [
                    "update ImageBuild/base", "create Image/base", "delete VirtualMachine/old-1",
                    "update VirtualMachine/web-1"
                ])
            let password = json["changes"]?.list?.first?["fields"]?.list?.first {
                $0["path"]?.string == "spec.sshPassword"
            }
            #expect(password?["old"] == .null)
            #expect(password?["new"] == .string("************"))
            let consequences = Set(
                (json["consequences"]?.list ?? []).map {
                    "\($0["action"]?.string ?? "") \($0["kind"]?.string ?? "")/\($0["name"]?.string ?? "")"
                })
            #expect(
                consequences.isSuperset(of: [
                    "run ImageBuild/web", "resolve Image/web", "recreate VirtualMachine/web-1",
                    "prune ImageBuild/web", "run ImageBuild/base", "resolve Image/base"
                ]))
            #expect(json["summary"]?["create"] == .int(1))
            #expect(json["summary"]?["delete"] == .int(1))
            #expect(json["summary"]?["run"] == .int(2))
        }
    }

    /// A consequence's reason says why; the action and the object are already in their own fields (and columns).
    @Test func consequenceReasonsDoNotRepeatTheActionAndObject() async throws {
        try await Self.withRepository { scratch, _ in
            let result = try await Self.plan(["--from", "v1", "--to", "feature", "--format", "json"], in: scratch)
            let json = try JSONDecoder().decode(SpecValue.self, from: Data(result.stdout.utf8))
            for c in json["consequences"]?.list ?? [] {
                let action = c["action"]?.string ?? ""
                let object = "\(c["kind"]?.string ?? "")/\(c["name"]?.string ?? "")"
                let reason = c["reason"]?.string ?? ""
                #expect(!reason.hasPrefix("\(action) \(object)"), "\(action) \(object): reason repeats them: \(reason)")
            }
        }
    }

    // MARK: empty, invalid, destructive

    @Test(arguments: formats)
    func emptyPlanExitsZero(_ format: String, _ ext: String) async throws {
        try await Self.withRepository { scratch, _ in
            let result = try await Self.plan(["--from", "v1", "--to", "main", "--format", format], in: scratch)
            #expect(result.exitCode == 0, "\(result)")
            switch format {
            case "json":
                let json = try JSONDecoder().decode(SpecValue.self, from: Data(result.stdout.utf8))
                #expect(json["empty"] == .bool(true))
                #expect(json["changes"] == .list([]))
                #expect(json["consequences"] == .list([]))
            default:
                #expect(result.stdout.hasSuffix("No changes.\n"), "\(result)")
            }
        }
    }

    @Test(arguments: formats)
    func invalidTargetExitsOneWithItsErrors(_ format: String, _ ext: String) async throws {
        try await Self.withRepository { scratch, _ in
            let result = try await Self.plan(["--from", "main", "--to", "broken", "--format", format], in: scratch)
            #expect(result.exitCode == 1, "\(result)")
            // Text goes to stderr (errors); JSON and Markdown are the answer, on stdout.
            let output = format == "text" ? result.stderr : result.stdout
            var errors = output
            if format == "json" {
                let json = try JSONDecoder().decode(SpecValue.self, from: Data(output.utf8))
                #expect(json["valid"] == .bool(false))
                #expect(json["to"]?["author"] == .string("Mallory Mayhem"))
                errors = (json["errors"]?.list ?? []).map { e in
                    "\(e["file"]?.string ?? ""):\(e["line"]?.int ?? 0):\(e["column"]?.int ?? 0): \(e["path"]?.string ?? ""): \(e["message"]?.string ?? "")"
                }.joined(separator: "\n")
            }
            #expect(errors.contains(#"vms/vms.yaml:8:11: spec.memory: "1gb" is not an IEC size"#), "\(result)")
            #expect(errors.contains("images/web.yaml:12:1: colour: unknown field"), "\(result)")
            Golden.check(output, "invalid.\(ext)")
        }
    }

    @Test(arguments: formats)
    func destructivePlanIsFlagged(_ format: String, _ ext: String) async throws {
        try await Self.withRepository { scratch, _ in
            let result = try await Self.plan(["--from", "extras", "--to", "wipe", "--format", format], in: scratch)
            #expect(result.exitCode == 3, "\(result)")
            #expect(result.stdout.contains("DESTRUCTIVE") || format == "json", "\(result)")
            for i in 1...6 { #expect(result.stdout.contains("Image/extra-\(i)")) }
            if format == "json" {
                let json = try JSONDecoder().decode(SpecValue.self, from: Data(result.stdout.utf8))
                #expect(json["destructive"]?["deletions"]?.list?.count == 6)
                #expect(
                    json["destructive"]?["reason"]?.string == "6 objects would be deleted, more than the budget of 5")
            }
            Golden.check(result.stdout, "destructive.\(ext)")
        }
    }

    @Test func deletionBudgetIsConfigurable() async throws {
        try await Self.withRepository { scratch, _ in
            let relaxed = try await Self.plan(
                [
                    "--from", "extras", "--to", "wipe", "--format", "json", "--max-deletions", "6",
                    "--max-deletion-fraction", "1"
                ], in: scratch)
            #expect(relaxed.exitCode == 3)
            let json = try JSONDecoder().decode(SpecValue.self, from: Data(relaxed.stdout.utf8))
            #expect(json["destructive"] == .null, "\(relaxed)")
            // By fraction: 6 of 8 images (web and seven extras) is more than 25%, even within a budget of 6 objects.
            let byFraction = try await Self.plan(
                ["--from", "extras", "--to", "wipe", "--max-deletions", "6"], in: scratch)
            #expect(
                byFraction.stdout.contains("DESTRUCTIVE: 6 of 8 Image objects would be deleted, more than 25%"),
                "\(byFraction)")
        }
    }

    // MARK: revisions

    @Test func revisionsByBranchTagAndCommitIdGiveTheSamePlan() async throws {
        try await Self.withRepository { scratch, repo in
            let main = try await repo.revParse("main")
            let feature = try await repo.revParse("feature")
            let reference = try await Self.plan(["--from", "v1", "--to", "feature", "--format", "json"], in: scratch)
            #expect(reference.exitCode == 3)
            for (from, to) in [
                ("main", "feature"), (main, feature), (String(main.prefix(7)), String(feature.prefix(7))),
                (String(main.prefix(12)), "feature"), ("HEAD", String(feature.prefix(4)))
            ] {
                let result = try await Self.plan(["--from", from, "--to", to, "--format", "json"], in: scratch)
                #expect(result.exitCode == 3, "--from \(from) --to \(to): \(result)")
                #expect(result.stdout == reference.stdout, "--from \(from) --to \(to)")
            }
        }
    }

    @Test(arguments: [
        "main~1", "HEAD^", ":/web", "feature:builds/web.yaml", "main@{0}", "@{-1}", "v1..feature",
        "feature^{tree}"
    ])
    func revspecSyntaxIsRefused(_ revision: String) async throws {
        try await Self.withRepository { scratch, _ in
            for arguments in [["--from", revision, "--to", "feature"], ["--from", "v1", "--to", revision]] {
                let result = try await Self.plan(arguments, in: scratch)
                #expect(result.exitCode == 1, "\(arguments): \(result)")
                #expect(result.stdout.isEmpty)
                #expect(result.stderr.contains("is not a revision Kiln accepts"), "\(arguments): \(result)")
            }
        }
    }

    @Test func unknownRevisionIsAnError() async throws {
        try await Self.withRepository { scratch, _ in
            let result = try await Self.plan(["--from", "v1", "--to", "no-such-branch"], in: scratch)
            #expect(result.exitCode == 1)
            #expect(result.stderr.contains("no commit, branch or tag \"no-such-branch\""), "\(result)")
        }
    }
}
