import ArgumentParser
import Foundation
import KilnCatalog
import KilnReconciler
import KilnSpec
import KilnTestSupport
import Logging

/// `kiln-bench reconcile`: the reconciler over many objects with recording drivers (no real builds or VMs), beside
/// the `sqlite3` CLI writing the same number of rows in one transaction in the same run — the floor for recording
/// that much state durably.
struct ReconcileBenchmark: FigureBenchmark {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Time a first reconcile, a settle, a no-op pass and a full resync over N objects with fake drivers.")

    @Option(help: "Objects in all: a third builds, a third images built from them, a third VMs on those images.")
    var objects: Int = 10_000

    @Option(help: "Runs of the no-op and full-resync passes.")
    var runs: Int = 7

    static let quickArguments = ["--objects", "999", "--runs", "3"]

    func run() async throws {
        FigureFormat.print(try await figures())
    }

    func figures() async throws -> [Figure] {
        let fixture = try await ReconcileFixture(objects: objects, name: "reconcile")
        defer { fixture.remove() }
        let (perKind, load, folder) = (fixture.perKind, fixture.load, fixture.folder)
        let catalogSize = (fixture.catalog as? SQLiteCatalog)?.sizeInBytes ?? 0
        // Every figure waits for the status files too: they are written in the background, off the pass's path.
        let passes = await fixture.measurePasses(runs: runs, fullResync: true)
        let (first, settle, noop, full, report) = (passes.first, passes.settle, passes.noop, passes.full, passes.report)
        let reference = try sqliteReference(rows: objects + perKind, folder: folder)

        func ms(_ d: Duration) -> String { String(format: "%.1f ms", d.milliseconds) }
        let fileReference = try fileCreationReference(count: objects, folder: folder)
        print(
            "objects: \(objects) (\(perKind) of each kind), snapshot parsed in \(ms(load)) (not part of the reconcile); catalog \(catalogSize / 1024) KiB (with WAL)"
        )
        let sqlite = Figure.Reference(
            name: "the sqlite3 CLI inserting \(objects + perKind) rows in one transaction",
            value: reference.milliseconds, runs: 1)
        let steps = report.timings.map { "\($0.0) \(ms($0.1))" }.joined(separator: ", ")
        return [
            Figure(
                "reconcile", "first pass over \(objects) objects, status files included", unit: .milliseconds,
                kiln: first.milliseconds, runs: first.runs, reference: sqlite, target: .atMost(3000),
                note: "\(report.outcomes.count) actions: \(steps); status files still being written when the pass "
                    + "returned: \(ms(passes.filesAfter)) more; the shell creating \(objects) small files "
                    + "(what one status file per object costs on this disk) took \(ms(fileReference))"),
            Figure(
                "reconcile", "settle after it", unit: .milliseconds, kiln: settle.milliseconds, runs: settle.runs,
                note: "fake executions finish, images resolve, VMs provision: \(passes.ready)/\(passes.total) ready"),
            Figure(
                "reconcile", "no-op pass", unit: .milliseconds, kiln: noop.milliseconds, runs: noop.runs,
                reference: sqlite,
                target: .atMost(20)),
            Figure(
                "reconcile", "full resync pass (re-checks everything)", unit: .milliseconds,
                kiln: full.milliseconds, runs: full.runs, reference: sqlite, target: .atMost(300))
        ]
    }

    /// The shell creating `count` small files in a new folder, then `sync`.
    func fileCreationReference(count: Int, folder: String) throws -> Duration {
        let target = "\(folder)/files-reference"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        let start = ContinuousClock.now
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [
            "-c", "cd '\(target)' && i=0; while [ $i -lt \(count) ]; do echo status > f$i.yaml; i=$((i+1)); done; sync"
        ]
        try process.run()
        process.waitUntilExit()
        return ContinuousClock.now - start
    }

    /// The `sqlite3` CLI writing `rows` rows of about the catalog's width in one durable transaction.
    func sqliteReference(rows: Int, folder: String) throws -> Duration {
        let database = "\(folder)/reference.sqlite"
        var script =
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;\nCREATE TABLE t (name TEXT PRIMARY KEY, spec TEXT, status TEXT);\nBEGIN;\n"
        let spec = String(repeating: "x", count: 400)
        for i in 0..<rows { script += "INSERT INTO t VALUES ('o\(i)', '\(spec)', 'ready');\n" }
        script += "COMMIT;\n"
        let input = "\(folder)/reference.sql"
        try script.write(toFile: input, atomically: true, encoding: .utf8)
        let start = ContinuousClock.now
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "sqlite3 '\(database)' < '\(input)'"]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ValidationError("sqlite3 failed (apt-get install sqlite3)") }
        return ContinuousClock.now - start
    }
}
