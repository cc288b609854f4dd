import Foundation
import KilnCatalog
import KilnReconciler
import KilnTestSupport
import Logging

/// What `kiln-bench reconcile` and `kiln-bench growth` reconcile: `objects` specs (a third builds, a third images
/// built from them, a third stopped VMs on those) committed to a memory source, a fresh data dir and SQLite catalog in
/// a temp folder, and recording drivers (no real builds or VMs). `remove()` deletes the folder.
struct ReconcileFixture {
    let folder: String
    let paths: DataPaths
    let catalog: SQLiteCatalog
    let builds: RecordingBuildDriver
    let reconciler: Reconciler
    /// Objects of each kind.
    let perKind: Int
    /// How long the memory source took to parse and validate the commit (not part of any pass).
    let load: Duration

    init(objects: Int, name: String) async throws {
        perKind = objects / 3
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-bench-\(name)-\(getpid())").path
        paths = DataPaths(root: folder)
        try paths.prepare()
        catalog = try SQLiteCatalog(path: paths.catalog)
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

    func remove() {
        try? FileManager.default.removeItem(atPath: folder)
    }
}
