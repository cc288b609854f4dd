import Foundation
import KilnCatalog
import KilnReconciler
import KilnTestSupport
import Logging

/// What `kiln-bench reconcile`, `reconcile-postgres` and `growth` reconcile: `objects` specs (a third builds, a third
/// images built from them, a third stopped VMs on those) committed to a memory source, a fresh data dir in a temp
/// folder with a catalog (by default SQLite in the data dir), and recording drivers (no real builds or VMs).
/// `remove()` deletes the folder.
///
/// With a ``FleetHost`` it runs as `kiln serve` on PostgreSQL does: the reconciler leads a fleet of that one host
/// (``ReconcilerOptions/fleetHost``), placing and recording VMs, and the host's own ``HostPass`` makes and watches
/// them.
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
    /// The fleet host's own pass, when the fixture runs as a fleet.
    let hostPass: HostPass?

    /// The one host of a fleet fixture: its name, and the plain (unfenced) catalog its pass writes through.
    struct FleetHost {
        var name: String
        var catalog: any Catalog
    }

    /// `open` makes the catalog once the data dir exists; the default is the embedded SQLite catalog.
    init(
        objects: Int, name: String, fleet: FleetHost? = nil,
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
        var options = ReconcilerOptions(maxConcurrency: 8)
        if let fleet {
            options.fleetHost = fleet.name
            _ = try await fleet.catalog.heartbeat(Self.host(fleet.name, vms: perKind, paths: paths))
            hostPass = HostPass(
                host: fleet.name, catalog: fleet.catalog, vms: RecordingVMDriver(), source: source, paths: paths,
                options: options, logger: logger)
        } else {
            hostPass = nil
        }
        reconciler = Reconciler(
            source: source, catalog: catalog, builds: builds, vms: RecordingVMDriver(), paths: paths, options: options,
            logger: logger)
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
        /// A fleet fixture's host pass after each no-op pass: the drift check of the VMs placed on it.
        var hostNoop = Measurement()
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
        let final = await settle.time {
            if let hostPass { return await settleFleet(hostPass, timeout: .seconds(600)) }
            return await reconciler.settle(timeout: .seconds(600), interval: .milliseconds(1))
        }
        var passes = Passes(
            first: first, report: report, filesAfter: filesAfter, settle: settle,
            ready: final.objects.values.filter(\.ready).count, total: final.objects.count)
        for _ in 0..<runs {
            _ = await passes.noop.time { await reconciler.pass() }
            if let hostPass { _ = await passes.hostNoop.time { await hostPass.pass() } }
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
