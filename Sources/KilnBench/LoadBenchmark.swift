import ArgumentParser
import Foundation
import KilnSource
import KilnSpec

/// `kiln-bench load`: the git source on a generated spec repository — a cold load, a one-file change and a no-op
/// tick — each beside `git cat-file --batch` reading the same objects in the same run.
struct LoadBenchmark: FigureBenchmark {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Time cold, one-file-change and no-op loads of a generated spec repository.")

    @Option(help: "Spec files in the generated repository.")
    var files = 10_000

    @Option(help: "Runs of each measurement; the median is reported.")
    var runs = 7

    @Option(help: "No-op ticks measured.")
    var ticks = 101

    @Flag(help: "Keep the generated repository and print where it is.")
    var keep = false

    func validate() throws {
        guard files >= 3 else { throw ValidationError("--files must be at least 3") }
        guard runs >= 1, ticks >= 1 else { throw ValidationError("--runs and --ticks must be at least 1") }
    }

    static let quickArguments = ["--files", "999", "--runs", "3", "--ticks", "11"]

    func run() async throws {
        FigureFormat.print(try await figures())
    }

    func figures() async throws -> [Figure] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-bench-\(UUID().uuidString)")
            .path
        defer { if !keep { try? FileManager.default.removeItem(atPath: folder) } }
        var clock = Measurement()
        let repo = try clock.time { try SpecRepositoryGenerator(files: files, changes: runs).generate(in: folder) }
        print(
            "generated \(files) spec files (\(repo.bytes / 1024) KiB) and \(runs) one-file changes in \(FigureFormat.number(clock.milliseconds)) ms\(keep ? " at \(folder)" : "")"
        )

        var cold = Measurement()
        var coldGit = Measurement()
        var parsed = 0
        for _ in 0..<runs {
            let source = try GitSource(.init(repository: folder))
            let load = try await cold.time { try await source.load(commit: repo.commits[0]) }
            guard load.snapshot != nil else {
                throw Failure("the generated repository is invalid: \(load.errors.prefix(3))")
            }
            parsed = load.stats.parsed
            try coldGit.time { try CatFileBatch.read(repo.blobs, in: folder) }
        }

        let source = try GitSource(.init(repository: folder))
        _ = try await source.load(commit: repo.commits[0])
        var change = Measurement()
        var changeGit = Measurement()
        var stats: [GitLoad.Stats] = []
        for (commit, blob) in zip(repo.commits.dropFirst(), repo.changedBlobs) {
            let load = try await change.time { try await source.load(commit: commit) }
            guard load.snapshot != nil else { throw Failure("a one-file change is invalid: \(load.errors.prefix(3))") }
            stats.append(load.stats)
            try changeGit.time { try CatFileBatch.read([blob], in: folder) }
        }

        let assembly = assembleOnly(repo.files)

        var tick = Measurement()
        var tickGit = Measurement()
        for _ in 0..<ticks {
            try await tick.time {
                let commit = try await source.poll()
                return try await source.load(commit: commit)
            }
            try tickGit.time { try CatFileBatch.read(["main"], in: folder) }
        }

        let data = folder + "-data"
        defer { try? FileManager.default.removeItem(atPath: data) }
        let remote = try GitSource(.init(repository: "file://" + folder, dataDirectory: data))
        var firstFetch = Measurement()
        var firstGit = Measurement()
        let fetched = try await firstFetch.time { try await remote.poll() }
        _ = try await remote.load(commit: fetched)
        try firstGit.time {
            try Shell.run(["git", "clone", "-q", "--bare", "--no-local", folder, data + "/reference.git"])
        }
        var remoteTick = Measurement()
        var remoteGit = Measurement()
        for _ in 0..<max(5, ticks / 5) {
            try await remoteTick.time {
                let commit = try await remote.poll()
                return try await remote.load(commit: commit)
            }
            try remoteGit.time {
                try Shell.run([
                    "git", "-C", data + "/reference.git", "fetch", "-q", "--prune", "file://" + folder,
                    "+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"
                ])
            }
        }

        let share = change.milliseconds / cold.milliseconds * 100
        func figure(
            _ name: String, _ kiln: Measurement, _ reference: String, _ git: Measurement, target: Target? = nil,
            note: String? = nil
        ) -> Figure {
            Figure(
                "load", name, unit: .milliseconds, kiln: kiln.milliseconds, runs: kiln.runs,
                reference: .init(name: reference, value: git.milliseconds, runs: git.runs), target: target, note: note)
        }
        return [
            figure(
                "cold load of \(files) spec files (parse + validate)", cold, "git cat-file --batch of the blobs",
                coldGit,
                note: "\(parsed) files parsed"),
            figure(
                "one-file change", change, "git cat-file --batch of the blob", changeGit, target: .atMost(50),
                note: "parsed \(stats.map(\.parsed).max() ?? 0), reused \(stats.map(\.reused).min() ?? 0)"),
            Figure(
                "load", "one-file change, share of the cold load", unit: .percent, kiln: share, runs: change.runs,
                target: .atMost(5)),
            figure("no-op tick (poll + load)", tick, "git cat-file --batch of main", tickGit, target: .atMost(5)),
            figure("file:// first fetch", firstFetch, "git clone --bare --no-local", firstGit),
            figure("file:// no-op tick", remoteTick, "git fetch into a mirror", remoteGit),
            Figure(
                "load", "SnapshotAssembler.assemble alone on the \(files) parsed files", unit: .milliseconds,
                kiln: assembly.milliseconds, runs: assembly.runs,
                note: "the spec model's part of every changed commit, which runs it over all files")
        ]
    }

    /// `SnapshotAssembler.assemble` alone on the first commit's files, parsed beforehand: the part of every changed
    /// tick that is the spec model's, not the git source's.
    func assembleOnly(_ files: [(path: String, text: String)]) -> Measurement {
        let parsed = files.filter { $0.path.hasSuffix(".yaml") }.map {
            DocumentParser.parse(path: $0.path, text: $0.text)
        }
        let tree = ScriptTree(paths: Set(files.map(\.path).filter { !$0.hasSuffix(".yaml") }))
        var measurement = Measurement()
        for _ in 0..<runs {
            measurement.time { _ = SnapshotAssembler.assemble(files: parsed, tree: tree, revision: nil) }
        }
        return measurement
    }

    struct ScriptTree: TreeLookup {
        var paths: Set<String>

        func entry(at path: String) -> TreeEntry? {
            paths.contains(path) ? TreeEntry(type: .file, digest: path) : nil
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
