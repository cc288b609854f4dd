import ArgumentParser
import Foundation
import KilnSource

/// `kiln-bench load`: the git source on a generated spec repository — a cold load, a one-file change and a no-op
/// tick — each beside `git cat-file --batch` reading the same objects in the same run.
struct LoadBenchmark: AsyncParsableCommand {
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

    func run() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-bench-\(UUID().uuidString)").path
        defer { if !keep { try? FileManager.default.removeItem(atPath: folder) } }
        var clock = Measurement()
        let repo = try clock.time { try SpecRepositoryGenerator(files: files, changes: runs).generate(in: folder) }
        print("generated \(files) spec files (\(repo.bytes / 1024) KiB) and \(runs) one-file changes in \(format(clock.milliseconds)) ms\(keep ? " at \(folder)" : "")")

        var cold = Measurement()
        var coldGit = Measurement()
        var parsed = 0
        for _ in 0..<runs {
            let source = try GitSource(.init(repository: folder))
            let load = try await cold.time { try await source.load(commit: repo.commits[0]) }
            guard load.snapshot != nil else { throw Failure("the generated repository is invalid: \(load.errors.prefix(3))") }
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

        var tick = Measurement()
        var tickGit = Measurement()
        for _ in 0..<ticks {
            try await tick.time {
                let commit = try await source.poll()
                return try await source.load(commit: commit)
            }
            try tickGit.time { try CatFileBatch.read(["main"], in: folder) }
        }

        let rows = [
            Row(name: "cold load (parse + validate)", kiln: cold, git: coldGit, note: "\(parsed) files parsed"),
            Row(name: "one-file change", kiln: change, git: changeGit,
                note: "parsed \(stats.map(\.parsed).max() ?? 0), reused \(stats.map(\.reused).min() ?? 0)"),
            Row(name: "no-op tick (poll + load)", kiln: tick, git: tickGit, note: "\(ticks) ticks"),
        ]
        print(Row.header)
        for row in rows { print(row.line) }
        let share = change.milliseconds / cold.milliseconds * 100
        print("")
        print(verdict("one-file change < 50 ms", change.milliseconds < 50, "\(format(change.milliseconds)) ms"))
        print(verdict("one-file change < 5% of cold load", share < 5, "\(format(share))%"))
        print(verdict("no-op tick < 5 ms", tick.milliseconds < 5, "\(format(tick.milliseconds)) ms"))
    }

    struct Row {
        var name: String
        var kiln: Measurement
        var git: Measurement
        var note: String

        static let header = "phase                          kiln (ms)  git cat-file --batch (ms)  ratio   notes"

        var line: String {
            let ratio = git.milliseconds > 0 ? kiln.milliseconds / git.milliseconds : 0
            return name.padding(toLength: 31, withPad: " ", startingAt: 0)
                + format(kiln.milliseconds).leftPadded(9) + format(git.milliseconds).leftPadded(27)
                + (format(ratio) + "×").leftPadded(8) + "   " + note
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    func verdict(_ target: String, _ met: Bool, _ value: String) -> String {
        "\(met ? "met   " : "MISSED") \(target): \(value)"
    }
}

func format(_ value: Double) -> String {
    value >= 100 ? String(Int(value.rounded())) : String(format: "%.2f", value)
}

extension String {
    func leftPadded(_ width: Int) -> String {
        String(repeating: " ", count: max(0, width - count)) + self
    }
}
