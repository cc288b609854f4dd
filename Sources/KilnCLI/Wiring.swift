import ArgumentParser
import Foundation
import KilnCatalog
import KilnDrivers
import KilnReconciler
import KilnSource
import KilnSpec
import Logging

/// The one place that wires concrete pieces together: git source, catalog, drivers, reconciler.
struct Wiring {
    let paths: DataPaths
    let lock: DataDirLock
    let catalog: any Catalog
    let git: GitSource
    let reconciler: Reconciler
    /// In a fleet (`kiln serve` on PostgreSQL), this host's pass over the VMs placed on it.
    let hostPass: HostPass?
    /// In a fleet, this host's runner of the image imports it claims (``BuildWorkService``).
    let imageWork: ImageWorkRunner?
    /// This host's build workers: the reconciler's build driver on one host; in a fleet, what ``BuildWorkService``
    /// starts the claimed builds with (the leader only enqueues them, ``FleetBuildDriver``).
    let processBuilds: ProcessBuildDriver

    /// With `leadership` (`kiln serve`), the reconciler writes through a fenced view of the catalog, carrying the
    /// leader's epoch, and crash recovery waits until this host leads (it is the leader's to do). With `fleetHost`
    /// too, on a PostgreSQL catalog, this serve is a host of a fleet: the leader places VMs over the hosts and every
    /// host runs those placed on it (``HostPass``). On SQLite (one host) VMs run here as they always did.
    /// With `artifacts` (`kiln serve`), VMs get image files made on other hosts through it; with `artifactStore`, build
    /// workers and image imports put their outputs into that shared store.
    init(
        source: SourceOptions, flags: ReconcileFlags, leadership: Leadership? = nil, fleetHost: String? = nil,
        artifacts: ((any Catalog, DataPaths) -> ArtifactAccess)? = nil, artifactStore: String? = nil, logger: Logger
    ) async throws {
        paths = DataPaths(root: source.dataDir)
        lock = try DataDirLock(paths: paths)
        try paths.prepare()
        let catalog = try await source.catalog.open(paths, logger: logger)
        self.catalog = catalog
        let writer = leadership.map { catalog.fenced(by: $0) } ?? catalog
        let repository = Self.absoluteRepository(source.repo.repo)
        git = try GitSource(
            GitSource.Configuration(
                repository: repository, branch: source.branch,
                specRoot: try source.repo.specRoot(), dataDirectory: paths.root,
                fetchTimeout: try source.fetch.duration()))
        let builds = ProcessBuildDriver(
            paths: paths, catalog: writer,
            settings: .init(
                executable: Self.executable, repository: repository, branch: source.branch,
                secretsDirectory: flags.secretsDir,
                debianMirror: flags.debianMirror, catalogArguments: source.catalog.workerArguments,
                artifactStore: artifactStore))
        var vmOptions = flags.vmOptions(networkDirectory: paths.network, secretsDirectory: paths.secrets)
        vmOptions.artifacts = artifacts?(catalog, paths)
        let vms = QemuVMDriver(options: vmOptions)
        let images = QemuImageImportDriver(
            cacheDirectory: paths.downloads, maxImageSize: flags.maxImageBytes,
            store: artifactStore.map { ArtifactCache(store: $0, host: fleetHost ?? ProcessInfo.processInfo.hostName) },
            logger: logger)
        let desired = await GitStateSource(git)
        var options = flags.options
        let fleet = leadership != nil && !source.catalog.isDataDirCatalog && catalog is PostgresCatalog
        options.fleetHost = fleet ? fleetHost : nil
        options.importsAsWork = fleet
        if fleet, let leadership { options.catalogWatched = { leadership.watchedTime } }
        if fleet, let access = vmOptions.artifacts {
            options.lostCopy = { image, hosts in access.lostCopy(of: image, hosts: hosts) }
        }
        processBuilds = builds
        let planned: any BuildDriver = fleet ? FleetBuildDriver(catalog: writer, local: builds, logger: logger) : builds
        reconciler = Reconciler(
            source: desired, catalog: writer, builds: planned, vms: vms, paths: paths, options: options,
            callbacks: SafeCallbackSender(), images: images, logger: logger)
        if let host = options.fleetHost {
            hostPass = HostPass(
                host: host, catalog: catalog, vms: vms, source: desired, paths: paths, options: options,
                images: images, logger: logger)
            imageWork = ImageWorkRunner(
                host: host, catalog: catalog, vms: vms, images: images, paths: paths, options: options,
                logger: logger)
        } else {
            hostPass = nil
            imageWork = nil
        }
        if leadership == nil { try await reconciler.recover() }
    }

    /// A local repository path made absolute, so build workers find it whatever their working folder; URLs as given.
    static func absoluteRepository(_ repo: String) -> String {
        if repo.contains("://") || repo.hasPrefix("/") { return repo }
        return URL(fileURLWithPath: repo, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
            .standardizedFileURL.path
    }

    /// This `kiln` executable, which build workers run as `kiln internal-execute`.
    static var executable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}

/// Log lines go to stderr, at the level asked for.
enum Logs {
    static func bootstrap(_ level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
extension VMAcceleration: ExpressibleByArgument {}
