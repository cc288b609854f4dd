import Foundation
import KilnCatalog
import KilnReconciler
import KilnTestSupport
import Logging

/// What `kiln-bench reconcile`, `reconcile-postgres` and `growth` reconcile: `objects` specs (a third builds, a third
/// images built from them, a third stopped VMs on those) committed to a memory source, a fresh data dir in a temp
/// folder with a catalog (by default SQLite in the data dir), and recording drivers (no real builds or VMs).
/// `remove()` deletes the folder.
struct ReconcileFixture {
    let folder: String
    let paths: DataPaths
    /// What the reconciler writes through.
    let catalog: any Catalog
    let builds: RecordingBuildDriver
    let reconciler: Reconciler
    /// Objects of each kind.
    let perKind: Int
    /// How long the memory source took to parse and validate the commit (not part of any pass).
    let load: Duration

    /// `open` makes the catalog once the data dir exists; the default is the embedded SQLite catalog.
    init(
        objects: Int, name: String,
        catalog open: (DataPaths) async throws -> any Catalog = { try SQLiteCatalog(path: $0.catalog) }
    ) async throws {
        perKind = objects / 3
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-bench-\(name)-\(getpid())").path
        paths = DataPaths(root: folder)
        try paths.prepare()
        catalog = try await open(paths)
        builds = RecordingBuildDriver(catalog: catalog, paths: paths)
        let source = MemorySource()
        var files: [String: String] = ["scripts/provision.sh": "#!/bin/sh\ntrue\n"]
        for i in 0..<perKind {
            files["builds/b\(i).yaml"] = Specs.build("b\(i)", token: nil)
            files["images/i\(i).yaml"] = Specs.image("i\(i)", build: "b\(i)")
            files["vms/v\(i).yaml"] = Specs.vm("v\(i)", image: "i\(i)", powerState: "stopped")
        }
        let loadStart = ContinuousClock.now
        await source.commit("c1", files)
        load = ContinuousClock.now - loadStart
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        reconciler = Reconciler(
            source: source, catalog: catalog, builds: builds, vms: RecordingVMDriver(), paths: paths,
            options: ReconcilerOptions(maxConcurrency: 8), logger: logger)
        try await reconciler.recover()
    }

    /// What ``measurePasses(runs:fullResync:)`` saw.
    struct Passes {
        var first = Measurement()
        var report: PassReport
        /// How long status files were still being written after the first pass returned.
        var filesAfter: Duration
        var settle = Measurement()
        /// The settled state: objects ready, and in all.
        var ready: Int
        var total: Int
        var noop = Measurement()
        var full = Measurement()
    }

    /// The first pass (executions held until it returns; the status files it writes included), the settle after it,
    /// then `runs` no-op passes, each followed by a full resync (with its status files) when `fullResync`.
    func measurePasses(runs: Int, fullResync: Bool) async -> Passes {
        var first = Measurement()
        var filesAfter = Duration.zero
        await builds.hold()
        let report = await first.time {
            let report = await reconciler.pass()
            let returned = ContinuousClock.now
            await reconciler.statusFilesWritten()
            filesAfter = ContinuousClock.now - returned
            return report
        }
        await builds.release()
        await builds.drain()
        var settle = Measurement()
        let final = await settle.time { await reconciler.settle(timeout: .seconds(600), interval: .milliseconds(1)) }
        var passes = Passes(
            first: first, report: report, filesAfter: filesAfter, settle: settle,
            ready: final.objects.values.filter(\.ready).count, total: final.objects.count)
        for _ in 0..<runs {
            _ = await passes.noop.time { await reconciler.pass() }
            guard fullResync else { continue }
            _ = await passes.full.time {
                _ = await reconciler.pass(full: true)
                await reconciler.statusFilesWritten()
            }
        }
        return passes
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: folder)
    }
}
