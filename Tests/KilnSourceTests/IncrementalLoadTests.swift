import Foundation
import KilnSource
import KilnSpec
import Testing

/// The incremental loader must give exactly what a fresh load of the same commit gives, whatever the edits.
@Suite("Incremental loading matches a fresh load")
struct IncrementalLoadTests {
    @Test func foldersAndFilesSwappingPlaces() async throws {
        let repo = try TestRepository()
        try Fixtures.small(in: repo)
        try repo.write("more/deep/er/vm-a.yaml", Fixtures.vm("vm-a", image: "web"))
        let source = try GitSource(.init(repository: repo.path))
        try await Self.expectFresh(source, repo, try repo.commit("start"))

        try repo.remove("more")
        try repo.write("more", "now a file\n")
        try repo.write("scripts.yaml/vm-b.yaml", Fixtures.vm("vm-b", image: "web"))
        try await Self.expectFresh(source, repo, try repo.commit("folder to file"))

        try repo.remove("more")
        try repo.write("more/vm-a.yaml", Fixtures.vm("vm-a", image: "web"))
        try repo.git(["update-index", "--chmod=+x", "scripts/setup.sh"])
        let load = try await Self.expectFresh(source, repo, try repo.commit("file to folder, script executable"))
        #expect(load.stats.strategy == .diff)
        #expect(load.stats.parsed == 1)
    }

    @Test func randomEditsMatchAFreshLoad() async throws {
        let repo = try TestRepository()
        try Fixtures.small(in: repo, under: "kiln")
        let source = try GitSource(.init(repository: repo.path, specRoot: "kiln"))
        try await Self.expectFresh(source, repo, try repo.commit("start"), specRoot: "kiln")
        var random = SeededRandom(seed: 0x6B696C6E)
        var files: Set<String> = ["kiln/vms/web-1.yaml"]
        let folders = ["kiln/vms", "kiln/vms/a", "kiln/vms/a/b", "kiln/other", "kiln/.hidden", "outside"]
        for step in 0..<40 {
            switch random.next() % 7 {
            case 0, 1:
                let path = "\(folders[random.next() % folders.count])/vm-\(step).yaml"
                try repo.write(path, Fixtures.vm("vm-\(step)", image: "web"))
                files.insert(path)
            case 2 where !files.isEmpty:
                let path = files.sorted()[random.next() % files.count]
                try repo.write(path, Fixtures.vm("changed-\(step)", image: "web", memory: "\(16 + step)mib"))
            case 3 where files.count > 1:
                let path = files.sorted()[random.next() % files.count]
                try repo.remove(path)
                files.remove(path)
            case 4 where !files.isEmpty:
                let path = files.sorted()[random.next() % files.count]
                let target = "\(folders[random.next() % folders.count])/moved-\(step).yml"
                try FileManager.default.createDirectory(
                    atPath: "\(repo.path)/\((target as NSString).deletingLastPathComponent)",
                    withIntermediateDirectories: true)
                try repo.move(path, target)
                files.remove(path)
                files.insert(target)
            case 5:
                try repo.write("kiln/scripts/setup.sh", "#!/bin/sh\necho \(step)\n")
                if random.next() % 2 == 0 { try repo.symlink("kiln/vms/link-\(step).yaml", to: "/etc/passwd") }
            default:
                try repo.write(
                    "kiln/vms/bad-\(step % 3).yaml", step % 2 == 0 ? "kind: [\n" : Fixtures.vm("web-1", image: "web"))
            }
            try await Self.expectFresh(source, repo, try repo.commit("step \(step)"), specRoot: "kiln")
        }
    }

    /// Loads `commit` incrementally and afresh, and expects the same objects, file digests and errors.
    @discardableResult
    static func expectFresh(
        _ source: GitSource, _ repo: TestRepository, _ commit: String, specRoot: String = "",
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> GitLoad {
        let load = try await source.load(commit: commit)
        let fresh = try await GitSource(.init(repository: repo.path, specRoot: specRoot)).load(commit: commit)
        #expect(load.errors == fresh.errors, sourceLocation: sourceLocation)
        #expect(
            GitSourceLoadTests.hashes(load.snapshot) == GitSourceLoadTests.hashes(fresh.snapshot),
            sourceLocation: sourceLocation)
        #expect(load.snapshot?.fileDigests == fresh.snapshot?.fileDigests, sourceLocation: sourceLocation)
        #expect(load.stats.specFiles == fresh.stats.specFiles, sourceLocation: sourceLocation)
        #expect(load.stats.parsed + load.stats.reused <= load.stats.specFiles, sourceLocation: sourceLocation)
        return load
    }
}

/// A small deterministic generator (SplitMix64), so a failing sequence of edits can be replayed.
struct SeededRandom {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int(truncatingIfNeeded: (z ^ (z >> 31)) >> 1)
    }
}
