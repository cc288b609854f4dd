import Dispatch
import Foundation
import KilnBuilder
import KilnCatalog
import KilnReconciler
import KilnSource
import KilnSpec
import Logging

/// The body of `kiln internal-execute`: runs one recorded execution to its end and records the outcome. It holds the
/// execution's lock while it runs; SIGTERM cancels it cleanly (processes stopped, files removed, status `cancelled`).
///
/// In a fleet the execution is a work row this host claimed (``Settings/work``): the worker renews the claim itself
/// while it builds (so a restart of `kiln serve` leaves it running), stops when the leader asks to cancel, and records
/// the outcome only under its claim (``Catalog/finishWork(_:_:)``). A worker whose claim was lost (its lease ran out,
/// or its host was Lost and the work went back to the queue) records nothing and removes what it made.
public enum ExecutionWorker {
    public struct Settings: Sendable {
        public var dataDirectory: String
        public var executionId: Int64
        public var repository: String
        public var branch: String?
        public var specRoot: String
        public var secretsDirectory: String?
        public var debianMirror: String?
        /// The fleet's claim this worker runs under, and the lease it renews it for; nil on a single host.
        public var work: (claim: WorkClaim, lease: Duration)?
        /// A fleet's `--artifact-store`: finished outputs are also put there under their sha256, the shared cache every
        /// host looks in before it fetches, so no host needs to fetch them from this one.
        public var artifactStore: String?

        public init(
            dataDirectory: String, executionId: Int64, repository: String, branch: String?, specRoot: String,
            secretsDirectory: String?, debianMirror: String? = nil, work: (claim: WorkClaim, lease: Duration)? = nil,
            artifactStore: String? = nil
        ) {
            self.work = work
            self.artifactStore = artifactStore
            self.debianMirror = debianMirror
            self.dataDirectory = dataDirectory
            self.executionId = executionId
            self.repository = repository
            self.branch = branch
            self.specRoot = specRoot
            self.secretsDirectory = secretsDirectory
        }
    }

    /// Runs the execution; returns the process exit code. `open` opens the catalog (default: the data dir's SQLite).
    public static func run(
        _ settings: Settings, logger: Logger,
        open: (@Sendable (DataPaths) async throws -> any Catalog)? = nil
    ) async -> Int32 {
        let paths = DataPaths(root: settings.dataDirectory)
        let id = settings.executionId
        guard let lock = ExecutionLock.acquire(paths, id) else {
            logger.info("execution \(id) already has a worker")
            return 0
        }
        defer {
            ExecutionLock.release(lock, paths, id)
            // The worker's own output (what `ProcessBuildDriver` shows when a worker dies at once) is not needed
            // once the worker got this far; the execution's story is in its log.
            unlink(ExecutionLock.outputPath(paths, id))
        }
        do {
            let catalog: any Catalog =
                if let open { try await open(paths) } else { try SQLiteCatalog(path: paths.catalog) }
            guard let execution = try await catalog.execution(id: id), !execution.status.isFinished else { return 0 }
            if let work = settings.work {
                return await runClaimed(
                    execution, work, catalog: catalog, paths: paths, settings: settings, logger: logger)
            }
            let started = try await start(execution, catalog: catalog, logPath: execution.logPath)
            let outcome = await build(started, catalog: catalog, paths: paths, settings: settings, logger: logger)
            return await record(outcome, catalog: catalog, logger: logger)
        } catch {
            logger.error("execution \(id): \(error)")
            return 1
        }
    }

    /// Marks the execution running in this process, logging to `logPath`; in a fleet, only while `claim` is held
    /// (``Catalog/saveExecution(_:claim:)``), so that an attempt cut off before it started cannot take the row over.
    static func start(
        _ execution: ExecutionRecord, catalog: any Catalog, logPath: String, claim: WorkClaim? = nil
    ) async throws -> ExecutionRecord {
        var execution = execution
        execution.status = .running
        execution.pid = getpid()
        execution.pidStartTime = ProcessIdentity.startTime(getpid())
        execution.startDate = execution.startDate ?? Date()
        execution.statusMessage = "Starting"
        execution.logPath = logPath
        if let claim {
            try await catalog.saveExecution(execution, claim: claim)
        } else {
            try await catalog.saveExecution(execution)
        }
        try FileManager.default.createDirectory(
            atPath: (logPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        return execution
    }

    /// A fleet's execution, run under this host's claim of its work row: the claim is renewed while it builds, and the
    /// outcome lands only while the claim is held. The log goes to this host's data dir (the leader named its own).
    static func runClaimed(
        _ execution: ExecutionRecord, _ work: (claim: WorkClaim, lease: Duration), catalog: any Catalog,
        paths: DataPaths, settings: Settings, logger: Logger
    ) async -> Int32 {
        let claim = work.claim
        let row: WorkRecord
        do {
            guard let current = try await catalog.work(key: FleetBuildDriver.workKey(execution: execution)),
                current.id == claim.workId, current.claim == claim
            else {
                logger.warning("execution \(execution.id ?? -1): \(claim) is no longer held; nothing to run")
                return 0
            }
            row = current
        } catch {
            logger.error("execution \(execution.id ?? -1): cannot read \(claim): \(error)")
            return 1
        }
        if row.cancelRequested {
            // Cancelled while its last holder had it (and lost it): nothing to build.
            var cancelled = execution
            cancelled.status = .cancelled
            cancelled.statusMessage = "Cancelled"
            cancelled.endDate = Date()
            do {
                try await catalog.finishWork(claim, WorkCompletion(.failed("cancelled"), execution: cancelled))
            } catch {
                logger.warning("execution \(execution.id ?? -1): cannot finish \(claim) as cancelled: \(error)")
            }
            return 0
        }
        let worker = WorkWorker(catalog: catalog, host: claim.host, lease: work.lease, logger: logger)
        let logPath = paths.log(build: execution.buildName, number: execution.buildNumber)
        let ended = await worker.perform(row) { _ in
            let started = try await start(execution, catalog: catalog, logPath: logPath, claim: claim)
            let outcome = await build(started, catalog: catalog, paths: paths, settings: settings, logger: logger)
            return completion(outcome)
        }
        switch ended {
        case .finished(let record)?:
            return record.state == .done || record.result == "cancelled" ? 0 : 1
        case .lost?:
            // Another host runs it now: what this attempt made here is a leftover.
            try? FileManager.default.removeItem(
                atPath: paths.artifacts(build: execution.buildName, number: execution.buildNumber))
            try? FileManager.default.removeItem(atPath: paths.work(execution: execution.id ?? -1))
            return 0
        case .unfinished(_, let why)?:
            logger.error("execution \(execution.id ?? -1): cannot record its outcome under \(claim): \(why)")
            return 1
        case nil:
            return 0
        }
    }

    /// How a build ended: the execution as it ends (success, failed or cancelled) and the images it made.
    struct Outcome: Sendable {
        var execution: ExecutionRecord
        var images: [VirtualImageRecord]
    }

    /// Records a single host's outcome; returns the worker's exit code (1 for a failure).
    static func record(_ outcome: Outcome, catalog: any Catalog, logger: Logger) async -> Int32 {
        if outcome.execution.status == .success {
            do { try await catalog.finishExecution(outcome.execution, images: outcome.images) } catch {
                logger.error("cannot record the outcome: \(error)")
                return 1
            }
            return 0
        }
        try? await catalog.saveExecution(outcome.execution)
        return outcome.execution.status == .failed ? 1 : 0
    }

    /// A fleet's outcome, as the work row's finish: the execution and its images land with it.
    static func completion(_ outcome: Outcome) -> WorkCompletion {
        let execution = outcome.execution
        let result: WorkCompletion.Outcome =
            switch execution.status {
            case .success:
                .done(
                    "execution #\(execution.buildNumber) of \(execution.buildName) made \(outcome.images.count) images")
            case .cancelled: .failed("cancelled")
            default: .failed(execution.errorMessage ?? "failed")
            }
        return WorkCompletion(result, execution: execution, virtualImages: outcome.images)
    }

    /// The files of `commit`. A host of a fleet that follows a remote may not have fetched the commit its leader
    /// applied yet (a follower fetches only what it needs, and may claim the build first): the mirror is fetched once,
    /// then read again.
    static func files(of commit: String, in source: GitSource) async throws -> GitFileReader {
        do {
            return try await source.fileReader(commit: commit)
        } catch {
            guard case .remote = source.location else { throw error }
            _ = try await source.poll()
            return try await source.fileReader(commit: commit)
        }
    }

    /// The commit of the earliest execution of this build with the same inputs (this one's when it is the first).
    static func firstRevision(of execution: ExecutionRecord, catalog: any Catalog) async throws -> String {
        // Only the tables it needs: a fleet's catalog may hold thousands of VMs that a build has no use for.
        let state = try await catalog.state(of: [.executions])
        let same = (state.executions[execution.buildName] ?? []).filter {
            $0.inputsHash == execution.inputsHash && $0.id != nil
        }
        return same.min { $0.id! < $1.id! }?.revision ?? execution.revision
    }

    /// A layered build's base: its Image's current file and how that disk boots.
    static func baseImage(of spec: ImageBuildSpec, catalog: any Catalog) async throws -> BaseImage? {
        guard let name = spec.baseImage else { return nil }
        let state = try await catalog.state(of: [.images, .virtualImages])
        guard let image = state.images[name], image.state == .active, let path = image.path, let sha256 = image.sha256
        else { return nil }
        let virtual = state.virtualImages.values.joined().first { $0.id == image.virtualImageId }
        return BaseImage(
            name: name, path: path, format: image.format ?? virtual?.format ?? "raw", sha256: sha256,
            boot: virtual?.boot ?? .none)
    }

    /// Builds the execution (cancelled by SIGTERM, SIGINT or the cancellation of the calling task); returns how it
    /// ended, recording nothing but progress.
    static func build(
        _ start: ExecutionRecord, catalog: any Catalog, paths: DataPaths, settings: Settings,
        logger: Logger
    ) async -> Outcome {
        let execution = start
        let spec = ImageBuildSpec(execution.spec)
        let reporter = ProgressWriter(
            catalog: catalog, execution: execution, claim: settings.work?.claim, logger: logger)
        // Progress arrives synchronously from the builder; a stream keeps the catalog writes in order.
        let (updates, continuation) = AsyncStream.makeStream(
            of: BuildProgress.self, bufferingPolicy: .bufferingNewest(64))
        let writer = Task {
            for await progress in updates { await reporter.report(progress) }
        }
        let work = Task { () throws -> [BuiltImage] in
            let source = try GitSource(
                GitSource.Configuration(
                    repository: settings.repository, branch: settings.branch, specRoot: settings.specRoot,
                    dataDirectory: paths.root))
            let files = try await Self.files(of: execution.revision, in: source)
            // SOURCE_DATE_EPOCH: the time of the commit these inputs were first built from, so a new run.token (a new
            // commit, the same inputs) makes the same bytes.
            let firstRevision = try await Self.firstRevision(of: execution, catalog: catalog)
            let commitTime = (try? await source.revision(of: firstRevision).time) ?? 0
            let acceleration = Acceleration()
            let baseImage = try await Self.baseImage(of: spec, catalog: catalog)
            let request = BuildRequest(
                buildName: execution.buildName, buildNumber: execution.buildNumber, spec: spec,
                outputName: "\(spec.buildOutputName ?? execution.buildName)-\(execution.buildNumber)", files: files,
                artifactDirectory: paths.artifacts(build: execution.buildName, number: execution.buildNumber),
                workDirectory: paths.work(execution: execution.id!), cacheDirectory: paths.downloads,
                logPath: execution.logPath,
                secrets: SecretResolver(secretsDirectory: settings.secretsDirectory ?? paths.secrets),
                hiddenPaths: [paths.root] + (settings.secretsDirectory.map { [$0] } ?? []),
                seed: execution.inputsHash, sourceDateEpoch: commitTime, debianMirror: settings.debianMirror,
                baseImage: baseImage,
                accelerator: { kernel in
                    // The VM driver's probe: KVM only when a kernel really boots under it here.
                    await acceleration.accel(mode: .auto, qemu: "qemu-system-x86_64", kernel: kernel)
                })
            return try await QemuImageBuilder(logger: logger).build(request) { progress in
                continuation.yield(progress)
            }
        }
        signal(SIGTERM, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGTERM)
        source.setEventHandler { work.cancel() }
        source.resume()
        let interrupt = DispatchSource.makeSignalSource(signal: SIGINT)
        interrupt.setEventHandler { work.cancel() }
        interrupt.resume()
        defer {
            source.cancel()
            interrupt.cancel()
        }

        let result = await withTaskCancellationHandler {
            await work.result
        } onCancel: {
            work.cancel()
        }
        continuation.finish()
        await writer.value
        await reporter.stop()
        var outcome = (try? await catalog.execution(id: start.id!)) ?? start
        outcome.endDate = Date()
        outcome.statusEta = nil
        switch result {
        case .success(let built):
            outcome.status = .success
            outcome.statusPercent = 100
            outcome.statusMessage = nil
            // A Debian source's resolved package list, for the API and lineage.
            outcome.packages = try? String(
                contentsOfFile: paths.artifacts(build: outcome.buildName, number: outcome.buildNumber)
                    + "/packages.txt", encoding: .utf8)
            let store = settings.artifactStore.map {
                ArtifactCache(store: $0, host: settings.work?.claim.host ?? ProcessInfo.processInfo.hostName)
            }
            for image in built { publish(image, into: store, logger: logger) }
            let images = built.map { image in
                VirtualImageRecord(
                    executionId: outcome.id!, buildName: outcome.buildName, buildNumber: outcome.buildNumber,
                    name: image.name, format: image.format, path: image.path, size: image.size,
                    sha256: image.sha256, boot: image.boot, createdAt: Date())
            }
            return Outcome(execution: outcome, images: images)
        case .failure(let error):
            let cancelled =
                work.isCancelled
                || (error as? BuildError).map { if case .cancelled = $0 { true } else { false } } == true
            outcome.status = cancelled ? .cancelled : .failed
            outcome.statusMessage = cancelled ? "Cancelled" : "Failed"
            outcome.errorMessage = cancelled ? nil : "\(error)"
            return Outcome(execution: outcome, images: [])
        }
    }
}

extension ExecutionWorker {
    /// Puts a finished output into the artifact store, when there is one, under its sha256: every host finds it there
    /// before it would fetch it (the output stays recorded where the build made it, under its own file name). A store
    /// that refuses it costs other hosts a fetch, not the build.
    static func publish(_ image: BuiltImage, into store: ArtifactCache?, logger: Logger) {
        guard let store else { return }
        do {
            _ = try store.publish(image.path, sha256: image.sha256)
        } catch {
            logger.warning("\(error); other hosts fetch \(image.name) from this one")
        }
    }
}

/// Writes progress to the catalog at most every half second (and at every new phase), with an ETA from earlier
/// executions' durations. In a fleet every write is fenced by the work claim: once it is refused (the claim was
/// lost), this attempt writes no more progress, and its work worker's next renewal cancels the build.
actor ProgressWriter {
    let catalog: any Catalog
    var execution: ExecutionRecord
    let claim: WorkClaim?
    let logger: Logger
    let estimate: Double?
    let started = Date()
    var lastWrite = Date.distantPast
    var stopped = false

    init(catalog: any Catalog, execution: ExecutionRecord, claim: WorkClaim? = nil, logger: Logger) {
        self.catalog = catalog
        self.execution = execution
        self.claim = claim
        self.logger = logger
        estimate = execution.statusEta
    }

    func report(_ progress: BuildProgress) async {
        guard !stopped else { return }
        let newPhase = progress.statusMessage != execution.statusMessage
        execution.statusMessage = progress.statusMessage
        execution.statusPercent = max(execution.statusPercent, progress.statusPercent)
        if let estimate { execution.statusEta = max(0, estimate - Date().timeIntervalSince(started)) }
        guard newPhase || Date().timeIntervalSince(lastWrite) > 0.5 else { return }
        lastWrite = Date()
        guard var current = try? await catalog.execution(id: execution.id!), !current.status.isFinished else { return }
        current.statusMessage = execution.statusMessage
        current.statusPercent = execution.statusPercent
        current.statusEta = execution.statusEta
        guard let claim else {
            try? await catalog.saveExecution(current)
            return
        }
        do {
            try await catalog.saveExecution(current, claim: claim)
        } catch let lost as WorkClaimLostError {
            stopped = true
            logger.warning("execution \(execution.id ?? -1): progress no longer recorded: \(lost)")
        } catch {
            // A catalog that cannot be reached for a moment: the next report tries again.
        }
    }

    func stop() { stopped = true }
}
