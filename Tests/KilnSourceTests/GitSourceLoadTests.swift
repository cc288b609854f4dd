import Foundation
import KilnSource
import KilnSpec
import Testing

@Suite("Loading commits")
struct GitSourceLoadTests {
    @Test func loadsEveryKindWithTheCommitsRevision() async throws {
        let repo = try TestRepository()
        try Fixtures.small(in: repo)
        let commit = try repo.commit("Add the web stack\n\nWhy: the quickstart.\n\nReviewed-by: Grace")
        let source = try GitSource(.init(repository: repo.path))

        #expect(try await source.poll() == commit)
        let load = try await source.load(commit: commit)
        let snapshot = try #require(load.snapshot, "errors: \(load.errors)")
        #expect(
            snapshot.objects.keys.sorted()
                == [
                    ObjectKey(.imageBuild, "web"), ObjectKey(.image, "web"),
                    ObjectKey(.virtualMachine, "web-1")
                ].sorted())
        #expect(snapshot.object(.virtualMachine, "web-1")?.file == "vms/web-1.yaml")
        #expect(snapshot.fileDigests["scripts/setup.sh"] == (try repo.revParse("\(commit):scripts/setup.sh")))
        #expect(load.revision.id == commit)
        #expect(load.revision.author == "Ada Lovelace")
        #expect(load.revision.email == "ada@example.org")
        #expect(load.revision.message == "Add the web stack\n\nWhy: the quickstart.\n\nReviewed-by: Grace\n")
        #expect(load.revision.trailer("Reviewed-by") == "Grace")
        #expect(
            load.revision.time
                == Int64(try repo.git(["log", "-1", "--format=%ct"]).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(snapshot.revision == load.revision)
        #expect(load.stats == .init(strategy: .walk, changedEntries: 4, specFiles: 3, parsed: 3, reused: 0))
    }

    @Test(
        "a VM's user-data is read from the commit: a file that starts #cloud-config is no spec; a commit that only breaks it is refused, naming the file, line and column"
    )
    func userDataIsCheckedWithTheCommit() async throws {
        let repo = try TestRepository()
        try Fixtures.small(in: repo)
        try repo.write(
            "vms/web-1.yaml", Fixtures.vm("web-1", image: "web") + "  cloudInit: {userData: vms/web-1.user-data.yaml}\n"
        )
        try repo.write("vms/web-1.user-data.yaml", "#cloud-config\npackages: [nginx]\n")
        let good = try repo.commit("user-data for web-1")
        let source = try GitSource(.init(repository: repo.path))
        let snapshot = try #require(try await source.load(commit: good).snapshot)
        #expect(
            snapshot.fileDigests["vms/web-1.user-data.yaml"] == (try repo.revParse("\(good):vms/web-1.user-data.yaml")))

        try repo.write("vms/web-1.user-data.yaml", "#cloud-config\nchpasswd:\n  list: ada:hunter2\n")
        let bad = try repo.commit("a password in clear")
        let errors = try await source.load(commit: bad).errors.map(\.description)
        #expect(
            errors.count == 1
                && errors.first?.hasPrefix("vms/web-1.user-data.yaml:3:9: chpasswd.list is a clear-text secret")
                    == true,
            "\(errors)")
        #expect(!errors.joined().contains("hunter2"))
    }

    @Test func aNewCommitReparsesOnlyTheBlobsItChanged() async throws {
        let repo = try TestRepository()
        try Fixtures.small(in: repo)
        for i in 1...20 { try repo.write("vms/vm-\(i).yaml", Fixtures.vm("vm-\(i)", image: "web")) }
        let first = try repo.commit("twenty VMs")
        let source = try GitSource(.init(repository: repo.path))
        #expect(try await source.load(commit: first).stats.parsed == 23)

        try repo.write("vms/vm-7.yaml", Fixtures.vm("vm-7", image: "web", memory: "1gib"))
        let changed = try repo.commit("more memory for vm-7")
        let load = try await source.load(commit: changed)
        #expect(load.stats == .init(strategy: .diff, changedEntries: 1, specFiles: 23, parsed: 1, reused: 22))
        #expect(load.snapshot?.object(.virtualMachine, "vm-7")?.spec["memory"]?.string == "1gib")
        #expect(load.snapshot?.revision?.id == changed)

        try repo.write("vms/vm-21.yaml", Fixtures.vm("vm-21", image: "web"))
        try repo.remove("vms/vm-1.yaml")
        try repo.move("vms/vm-2.yaml", "vms/renamed.yaml")
        let reshaped = try repo.commit("add, delete, rename")
        let next = try await source.load(commit: reshaped)
        #expect(next.stats == .init(strategy: .diff, changedEntries: 4, specFiles: 23, parsed: 2, reused: 21))
        let snapshot = try #require(next.snapshot)
        #expect(snapshot.object(.virtualMachine, "vm-1") == nil)
        #expect(snapshot.object(.virtualMachine, "vm-2")?.file == "vms/renamed.yaml")
        #expect(snapshot.object(.virtualMachine, "vm-21") != nil)
        #expect(snapshot.object(.virtualMachine, "vm-7")?.spec["memory"]?.string == "1gib")

        let fresh = try await GitSource(.init(repository: repo.path)).load(commit: reshaped)
        #expect(Self.hashes(fresh.snapshot) == Self.hashes(snapshot))
    }

    @Test func aTickWithoutANewCommitReadsNothing() async throws {
        let repo = try TestRepository()
        try Fixtures.small(in: repo, under: "kiln")
        try repo.write("README.md", "hello\n")
        let first = try repo.commit("specs")
        let source = try GitSource(.init(repository: repo.path, specRoot: "kiln"))
        _ = try await source.load(commit: try await source.poll())

        let again = try await source.load(commit: try await source.poll())
        #expect(again.stats == .init(strategy: .sameCommit, specFiles: 3, reused: 3))
        #expect(again.snapshot?.revision?.id == first)

        try repo.write("README.md", "hello again\n")
        let docs = try repo.commit("docs only")
        #expect(try await source.poll() == docs)
        let load = try await source.load(commit: docs)
        #expect(load.stats == .init(strategy: .sameTree, specFiles: 3, reused: 3))
        #expect(load.snapshot?.revision?.id == docs)
        #expect(load.revision.message == "docs only\n")
    }

    @Test func anInvalidCommitYieldsEveryErrorAndNoSnapshot() async throws {
        let repo = try TestRepository()
        try Fixtures.small(in: repo)
        let good = try repo.commit("good")
        try repo.write("vms/web-1.yaml", Fixtures.vm("web-1", image: "web", memory: "1gb"))
        try repo.write("vms/broken.yaml", "apiVersion: kiln.dev/v1\nkind: VirtualMachine\nmetadata: {name: broken\n")
        try repo.write(
            "images/typo.yaml", Fixtures.image("typo", build: "web").replacingOccurrences(of: "osType", with: "osTyp"))
        let bad = try repo.commit("three mistakes")
        let source = try GitSource(.init(repository: repo.path))
        #expect(try await source.load(commit: good).snapshot != nil)

        let load = try await source.load(commit: bad)
        #expect(load.snapshot == nil)
        let errors = load.errors.map(\.description)
        #expect(errors.count >= 3, "\(errors)")
        #expect(errors.contains { $0.hasPrefix("vms/web-1.yaml:7:11: spec.memory:") })
        #expect(errors.contains { $0.hasPrefix("vms/broken.yaml:4:") })
        #expect(errors.contains { $0.hasPrefix("images/typo.yaml:6:3: spec.osTyp:") })
        #expect(load.stats.parsed == 3)
        #expect(load.revision.id == bad)

        try repo.write("vms/web-1.yaml", Fixtures.vm("web-1", image: "web"))
        try repo.remove("vms/broken.yaml")
        try repo.remove("images/typo.yaml")
        let fixed = try await source.load(commit: try repo.commit("fix"))
        #expect(fixed.errors == [])
        // web-1.yaml is back to a blob parsed two loads ago: its parse is reused, nothing is read.
        #expect(fixed.stats == .init(strategy: .diff, changedEntries: 3, specFiles: 3, parsed: 0, reused: 3))
    }

    @Test func theSpecRootMayBeASubfolder() async throws {
        let repo = try TestRepository()
        try Fixtures.small(in: repo, under: "deploy/kiln")
        try repo.write("elsewhere.yaml", "not: [a spec\n")
        try repo.write("deploy/kiln/vms/bad.yaml", Fixtures.vm("bad", image: "nope"))
        let commit = try repo.commit("specs in a subfolder")
        let source = try GitSource(.init(repository: repo.path, specRoot: "./deploy//kiln/"))
        #expect(source.specRoot == "deploy/kiln")

        let load = try await source.load(commit: commit)
        #expect(
            load.errors.map(\.description) == [
                "deploy/kiln/vms/bad.yaml:6:10: spec.image: no Image named \"nope\" in the repository"
            ])

        try repo.remove("deploy/kiln/vms/bad.yaml")
        let fixed = try await source.load(commit: try repo.commit("fix"))
        let snapshot = try #require(fixed.snapshot, "\(fixed.errors)")
        #expect(snapshot.object(.imageBuild, "web")?.file == "deploy/kiln/builds/web.yaml")
        #expect(snapshot.fileDigests.keys.sorted() == ["scripts/setup.sh"])
    }

    @Test func aCommitWithoutTheSpecRootIsAnErrorNotAnEmptySnapshot() async throws {
        let repo = try TestRepository()
        try Fixtures.small(in: repo, under: "specs")
        let withSpecs = try repo.commit("specs")
        try repo.remove("specs")
        try repo.write("README.md", "moved away\n")
        let without = try repo.commit("remove the specs folder")
        let source = try GitSource(.init(repository: repo.path, specRoot: "specs"))
        #expect(try await source.load(commit: withSpecs).snapshot?.objects.count == 3)

        let load = try await source.load(commit: without)
        #expect(load.snapshot == nil)
        #expect(load.stats.strategy == .noSpecRoot)
        #expect(
            load.errors.map(\.description) == [
                "specs:1:1: the spec root does not exist in commit \(without.prefix(12)) (check --path and --branch)"
            ])
        try repo.write("specs", "a file where the folder was\n")
        let file = try await source.load(commit: try repo.commit("a file"))
        #expect(file.errors.first?.message.contains("is a file, not a folder") == true)
        #expect(try await source.load(commit: withSpecs).stats.strategy == .sameTree)
    }

    @Test func forcePushedHistoryLoadsAsIfFresh() async throws {
        let repo = try TestRepository()
        try Fixtures.small(in: repo)
        let base = try repo.commit("base")
        for i in 1...5 { try repo.write("vms/old-\(i).yaml", Fixtures.vm("old-\(i)", image: "web")) }
        try repo.write("vms/web-1.yaml", Fixtures.vm("web-1", image: "web", memory: "2gib"))
        let abandoned = try repo.commit("to be rewritten")
        let source = try GitSource(.init(repository: repo.path))
        #expect(try await source.load(commit: abandoned).snapshot?.objects.count == 8)

        try repo.git(["reset", "-q", "--hard", base])
        try repo.write("vms/new.yaml", Fixtures.vm("new", image: "web"))
        let rewritten = try repo.commit("rewritten history")
        #expect(try await source.poll() == rewritten)
        let load = try await source.load(commit: rewritten)
        #expect(load.stats.strategy == .diff)
        let expected = try await GitSource(.init(repository: repo.path)).load(commit: rewritten)
        #expect(Self.hashes(load.snapshot) == Self.hashes(expected.snapshot))
        #expect(load.snapshot?.objects.count == 4)
        #expect(load.snapshot?.object(.virtualMachine, "web-1")?.spec["memory"]?.string == "256mib")

        try repo.git(["reflog", "expire", "--expire=now", "--all"])
        try repo.git(["gc", "-q", "--prune=now"])
        let afresh = try GitSource(.init(repository: repo.path))
        let unreachable = await expectGitError({ () async throws(GitSourceError) in
            try await afresh.load(commit: abandoned)
        }) {
            if case .revisionNotFound = $0 { true } else { false }
        }
        #expect(unreachable?.description.contains("no commit, branch or tag") == true)
        try repo.write("vms/after-gc.yaml", Fixtures.vm("after-gc", image: "web"))
        let afterGC = try await source.load(commit: try repo.commit("after gc"))
        #expect(afterGC.snapshot?.objects.count == 5)
    }

    @Test func hiddenFilesAndFoldersAreNotSpecs() async throws {
        let repo = try TestRepository()
        try Fixtures.small(in: repo)
        try repo.write(".github/workflows/ci.yaml", "on: push\n")
        try repo.write(".hidden.yaml", "nonsense: [\n")
        try repo.write("vms/.draft.yml", "nonsense: [\n")
        try repo.write("notes.txt", "not yaml\n")
        let commit = try repo.commit("hidden files")
        let load = try await GitSource(.init(repository: repo.path)).load(commit: commit)
        #expect(load.errors == [])
        #expect(load.stats.specFiles == 3)
    }

    static func hashes(_ snapshot: Snapshot?) -> [ObjectKey: String] {
        (snapshot?.objects ?? [:]).mapValues { "\($0.file):\($0.line) \($0.contentHash)" }
    }
}
