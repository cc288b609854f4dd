import Foundation
import KilnCatalog
import KilnPlanner
import KilnReconciler
import KilnSpec
import KilnTestSupport

/// A reconciler wired to a real SQLite catalog in a temp data dir, with recording drivers and an in-memory source.
struct Harness {
    let paths: DataPaths
    let catalog: SQLiteCatalog
    let source = MemorySource()
    let builds: RecordingBuildDriver
    let vms = RecordingVMDriver()
    let callbacks = RecordingCallbackSender()
    let images = RecordingImageImporter()
    let reconciler: Reconciler
    /// The reconciler's wall clock: time passes only when a test advances it.
    let clock = TestClock()

    init(
        options: ReconcilerOptions = ReconcilerOptions(
            baseBackoff: 0.05, maxBackoff: 0.2, callbackBackoff: .milliseconds(10))
    ) throws {
        var options = options
        options.now = clock.now
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-test-\(UUID().uuidString)").path
        paths = DataPaths(root: root)
        try paths.prepare()
        catalog = try SQLiteCatalog(path: paths.catalog)
        builds = RecordingBuildDriver(catalog: catalog, paths: paths)
        reconciler = Reconciler(
            source: source, catalog: catalog, builds: builds, vms: vms, paths: paths, options: options,
            callbacks: callbacks, images: images)
    }

    /// A quickstart-like repository: a build, an image from it, a VM on the image.
    static func quickstart(
        token: String = "1", keep: Int = 2, cpus: Int = 1, extra: [String: String] = [:]
    ) -> [String: String] {
        [
            "builds.yaml": Specs.build("busybox", keepResults: keep, token: token),
            "images.yaml": Specs.image("busybox", build: "busybox"),
            "vms.yaml": Specs.vm("hello", image: "busybox", cpus: cpus, powerState: "running"),
            "scripts/provision.sh": "#!/bin/sh\necho hi\n"
        ].merging(extra) { $1 }
    }

    func settle() async -> PassReport {
        // A deadline that only catches a real hang: a loaded CI machine once took 28 s for what takes 2 s idle.
        await reconciler.settle(timeout: .seconds(600), interval: .milliseconds(20))
    }

    /// An object's status file, once the reconciler's background writer is through with the passes so far.
    func status(_ kind: Kind, _ name: String) async -> String? {
        await reconciler.statusFilesWritten()
        return try? String(contentsOfFile: paths.status(ObjectKey(kind, name)), encoding: .utf8)
    }

    func syncStatus() -> String {
        (try? String(contentsOfFile: paths.syncStatus, encoding: .utf8)) ?? ""
    }

    func state() async throws -> CatalogState { try await catalog.state() }

    func remove() { try? FileManager.default.removeItem(atPath: paths.root) }
}
