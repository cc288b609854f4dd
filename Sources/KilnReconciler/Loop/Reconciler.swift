import Foundation
import KilnCatalog
import KilnPlanner
import KilnSpec
import Logging
import Metrics

/// Kiln's reconcile loop: reads desired state from the source, compares it with the catalog, performs the plan, and
/// writes status. Level-based: each pass looks at everything, so a pass that failed or never ran is made up by the
/// next one.
///
/// Safety rules it keeps: a commit that fails validation is never applied (the last good one stays, and the refusal
/// is reported until a newer commit fixes it); a plan over the deletion budget is refused unless allowed; deletions
/// go through the tombstone area; a failed action is retried with backoff without holding back other objects, and a
/// newer commit cancels pending retries.
public actor Reconciler {
    let source: any DesiredStateSource
    let catalog: any Catalog
    let builds: any BuildDriver
    let vms: any VMDriver
    let paths: DataPaths
    let options: ReconcilerOptions
    let logger: Logger
    let executor: ActionExecutor
    /// VM callbacks, sent in the background (none when no sender is given).
    let callbacks: CallbackDispatcher?

    /// What the loop remembers between passes.
    var memory = LoopMemory()
    var statusFiles: StatusFiles

    public init(
        source: any DesiredStateSource, catalog: any Catalog, builds: any BuildDriver, vms: any VMDriver,
        paths: DataPaths, options: ReconcilerOptions = ReconcilerOptions(),
        callbacks: (any CallbackSender)? = nil, images: (any ImageImportDriver)? = nil,
        logger: Logger = Logger(label: "kiln.reconciler")
    ) {
        self.source = source
        self.catalog = catalog
        self.builds = builds
        self.vms = vms
        self.paths = paths
        self.options = options
        self.logger = logger
        executor = ActionExecutor(
            catalog: catalog, builds: builds, vms: vms, images: images, paths: paths, options: options,
            logger: logger, source: source)
        statusFiles = StatusFiles(paths: paths)
        memory.quietSince = options.now()
        self.callbacks = callbacks.map {
            CallbackDispatcher(
                sender: $0, catalog: catalog, attempts: options.callbackAttempts, backoff: options.callbackBackoff,
                now: options.now, logger: logger)
        }
    }

    /// Waits for callback deliveries under way.
    public func drainCallbacks() async { await callbacks?.drain() }

    /// Writes the status files still being written, and lets go of what the drivers keep between passes (the VMs'
    /// monitor connections); VMs and builds go on running.
    public func shutdown() async {
        await statusFiles.waitForWriter()
        await vms.shutdown()
    }

    /// Waits until the status files of the passes so far are on disk (they are written in the background).
    public func statusFilesWritten() async { await statusFiles.waitForWriter() }

    /// How long a quiet loop may skip full passes before it looks at everything again anyway.
    static let resyncInterval: TimeInterval = 600

    /// Tidies what a crash can leave behind: temp files, half-moved tombstones, open journal entries.
    public func recover() async throws {
        // The sweep below must not take temp files the background writer is about to rename.
        await statusFiles.waitForWriter()
        try paths.prepare()
        AtomicFile.sweep(paths.status)
        if let leftovers = try? FileManager.default.contentsOfDirectory(atPath: paths.tmp) {
            for item in leftovers { try? FileManager.default.removeItem(atPath: "\(paths.tmp)/\(item)") }
        }
        let state = try await catalog.state()
        try await Recovery(catalog: catalog, paths: paths, logger: logger).run(state: state)
    }

    // MARK: a pass

    /// One pass. A pass on an unchanged commit after a quiet one returns at once unless `full` asks to look at
    /// everything anyway (a full resync also happens every ``resyncInterval``).
    ///
    /// Phases, top to bottom: where is the branch; is this a quiet pass (after the drift check); read the head commit; read the catalog and
    /// what runs on the host; accept the head (or refuse it); plan and act; compute statuses; and on the way out,
    /// whatever happened, write the sync record once.
    public func pass(full: Bool = false) async -> PassReport {
        let started = ContinuousClock.now
        defer {
            let elapsed = ContinuousClock.now - started
            Timer(label: "kiln_reconcile_duration_seconds").recordNanoseconds(
                elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        }
        var pass = PassState(now: options.now(), full: full)
        await locateHead(&pass)
        if isQuiet(pass) {
            // Even a quiet pass checks that every VM still runs as git asks; drift makes it a full pass, which
            // repairs it now rather than at the next resync.
            guard await vmsNeedALook(&pass) else { return quietReport(pass) }
        }
        memory.quietCommit = nil
        // Read only now: a quiet pass neither reads nor writes the sync record (on PostgreSQL, a round trip saved).
        await readSync(&pass)
        await readHead(&pass)
        pass.lap("source")
        if await readActual(&pass) {
            pass.lap("catalog read")
            accept(&pass)
            await act(&pass)
            await computeStatus(&pass)
        }
        await finish(&pass)
        return pass.report
    }

    /// Passes until everything settles (nothing running, booting or left to do) or the timeout passes.
    public func settle(timeout: Duration, interval: Duration = .seconds(1)) async -> PassReport {
        let deadline = ContinuousClock.now + timeout
        var report = await pass()
        while !report.settled, ContinuousClock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: min(interval, deadline - ContinuousClock.now))
            report = await pass()
        }
        return report
    }
}
