import Foundation
import KilnSource
import KilnSpec
import Testing

@Suite("Symlinks, submodules and caps")
struct GitSourceSafetyTests {
    static let symlinkMessage =
        "is a symlink; Kiln never follows symlinks in a spec repository (commit the file itself)"

    @Test func symlinkedSpecFilesAreErrorsAndNeverFollowed() async throws {
        let repo = try TestRepository()
        try Fixtures.small(in: repo)
        try repo.symlink("passwd.yaml", to: "/etc/passwd")
        try repo.symlink("vms/up.yaml", to: "../")
        let commit = try repo.commit("links")
        let load = try await GitSource(.init(repository: repo.path)).load(commit: commit)
        #expect(load.snapshot == nil)
        #expect(
            load.errors.map(\.description) == [
                "passwd.yaml:1:1: \(Self.symlinkMessage)",
                "vms/up.yaml:1:1: \(Self.symlinkMessage)"
            ])
        #expect(load.stats.parsed == 3)
    }

    @Test func aSpecFileReplacedByASymlinkIsCaughtByTheDiff() async throws {
        let repo = try TestRepository()
        try Fixtures.small(in: repo)
        let good = try repo.commit("good")
        let source = try GitSource(.init(repository: repo.path))
        #expect(try await source.load(commit: good).snapshot != nil)

        try repo.symlink("vms/web-1.yaml", to: "/etc/passwd")
        let load = try await source.load(commit: try repo.commit("type change"))
        #expect(load.stats.strategy == .diff)
        #expect(load.stats.parsed == 0)
        #expect(load.errors.map(\.description) == ["vms/web-1.yaml:1:1: \(Self.symlinkMessage)"])
    }

    @Test func symlinkedScriptPathsAreErrors() async throws {
        let repo = try TestRepository()
        try Fixtures.small(in: repo)
        try repo.symlink("scripts/setup.sh", to: "/etc/passwd")
        try repo.symlink("up", to: "../")
        try repo.write("builds/escape.yaml", Fixtures.build("escape", script: "up/setup.sh"))
        let load = try await GitSource(.init(repository: repo.path)).load(commit: try repo.commit("links"))
        #expect(load.snapshot == nil)
        #expect(
            load.errors.map(\.description) == [
                "builds/escape.yaml:11:13: spec.scripts[0].path: up/setup.sh is a symlink; Kiln never follows symlinks in a spec repository",
                "builds/web.yaml:11:13: spec.scripts[0].path: scripts/setup.sh is a symlink; Kiln never follows symlinks in a spec repository"
            ])
    }

    @Test func submodulesAreNeverRead() async throws {
        let repo = try TestRepository()
        try Fixtures.small(in: repo)
        try repo.write("builds/vendored.yaml", Fixtures.build("vendored", script: "vendor/setup.sh"))
        try repo.git(["add", "-A"])
        let pinned = String(repeating: "ab", count: 20)
        try repo.addSubmodule("vendor", commit: pinned, url: "https://example.org/vendor.git")
        try repo.addSubmodule("more.yaml", commit: pinned, url: "https://example.org/more.git")
        let commit = try repo.commit("submodules", addAll: false)
        #expect(try repo.git(["ls-tree", commit, "vendor"]).hasPrefix("160000 commit \(pinned)"))

        let load = try await GitSource(.init(repository: repo.path)).load(commit: commit)
        #expect(load.snapshot == nil)
        #expect(
            load.errors.map(\.description) == [
                "builds/vendored.yaml:11:13: spec.scripts[0].path: vendor/setup.sh is in a submodule; Kiln never reads submodules",
                "more.yaml:1:1: is a submodule; Kiln never reads submodules (commit the file itself)"
            ])
    }

    @Test func aTenMegabyteBlobIsRefusedByItsSize() async throws {
        let repo = try TestRepository()
        try Fixtures.small(in: repo)
        let line = Data("# padding padding padding padding padding padding padding padding padding padding padd\n".utf8)
        var big = Data(capacity: 10 << 20)
        while big.count < 10 << 20 { big.append(line) }
        big = big.prefix(10 << 20)
        try repo.write("big.yaml", big)
        let load = try await GitSource(.init(repository: repo.path)).load(commit: try repo.commit("a 10 MB spec"))
        #expect(load.snapshot == nil)
        #expect(
            load.errors.map(\.description) == [
                "big.yaml:1:1: file is 10485760 bytes, over the limit of 1048576 bytes per spec file; split it into smaller files"
            ])
        #expect(load.stats.parsed == 3)
    }

    @Test func foldersNestedTooDeepAreRefused() async throws {
        let repo = try TestRepository()
        try Fixtures.small(in: repo)
        let good = try repo.commit("good")
        let deep = Array(repeating: "d", count: 130).joined(separator: "/")
        try repo.write("\(deep)/vm.yaml", Fixtures.vm("deep", image: "web"))
        let source = try GitSource(.init(repository: repo.path))
        #expect(try await source.load(commit: good).snapshot != nil)
        let load = try await source.load(commit: try repo.commit("deep"))
        let nested = Array(repeating: "d", count: 129).joined(separator: "/")
        #expect(
            load.errors.map(\.description) == [
                "\(nested):1:1: folders nest more than 128 deep under the spec root; flatten them"
            ])
        try repo.remove("d")
        #expect(try await source.load(commit: try repo.commit("flat again")).snapshot?.objects.count == 3)
    }

    @Test func fileCountAndTotalSizeAreCappedPerCommit() async throws {
        let repo = try TestRepository()
        try Fixtures.small(in: repo)
        let commit = try repo.commit("three specs")

        let few = try await GitSource(.init(repository: repo.path, limits: .init(maxFiles: 2))).load(commit: commit)
        #expect(
            few.errors.map(\.description) == [
                "vms/web-1.yaml:1:1: more than 2 spec files under the spec root; split the repository"
            ])
        #expect(few.stats.parsed == 0)

        let small = try await GitSource(.init(repository: repo.path, limits: .init(maxTotalBytes: 300))).load(
            commit: commit)
        #expect(
            small.errors.map(\.description) == [
                "images/web.yaml:1:1: spec files add up to more than 300 bytes; split the repository"
            ])
        #expect(small.stats.parsed == 0)
    }

    /// A commit and its work tree give the same errors, whether read by ``GitSource`` or ``FolderSource``.
    @Test func gitAndFolderSourcesAgree() async throws {
        let repo = try TestRepository()
        try Fixtures.small(in: repo, under: "kiln")
        try repo.write("kiln/a-b/x.yaml", Fixtures.vm("a-b", image: "web"))
        try repo.write("kiln/a/x.yaml", Fixtures.vm("a", image: "web"))
        let clean = try repo.commit("clean")
        // Over a cap, a folder reports what it read before the cap too; a commit is refused before anything is
        // parsed, with the same error naming the same file.
        for limits in [
            SourceLimits.init(maxFiles: 2), .init(maxFiles: 3), .init(maxTotalBytes: 400), .init(maxTotalBytes: 600)
        ] {
            try await Self.expectSameErrors(repo, commit: clean, limits: limits, capOnly: true)
        }

        try repo.symlink("kiln/passwd.yaml", to: "/etc/passwd")
        try repo.symlink("kiln/scripts/setup.sh", to: "../../README.md")
        try repo.write("kiln/vms/bad.yaml", Fixtures.vm("bad", image: "nope", memory: "1gb"))
        try repo.write("kiln/vms/dup.yaml", Fixtures.vm("web-1", image: "web"))
        try repo.write("kiln/vms/broken.yml", "kind: [\n")
        let messy = try repo.commit("a bit of everything")
        try await Self.expectSameErrors(repo, commit: messy, limits: .default)
    }

    static func expectSameErrors(
        _ repo: TestRepository, commit: String, limits: SourceLimits, capOnly: Bool = false,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let git = try await GitSource(.init(repository: repo.path, specRoot: "kiln", limits: limits)).load(
            commit: commit)
        guard case .failure(let failure) = FolderSource(repository: repo.path, specRoot: "kiln", limits: limits).load()
        else {
            Issue.record("the folder should be invalid with \(limits)", sourceLocation: sourceLocation)
            return
        }
        #expect(!git.errors.isEmpty, sourceLocation: sourceLocation)
        let expected =
            capOnly ? failure.errors.filter { $0.message.hasSuffix("; split the repository") } : failure.errors
        #expect(git.errors == expected, "\(limits)", sourceLocation: sourceLocation)
    }
}
