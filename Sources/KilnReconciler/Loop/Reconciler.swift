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

    /// The desired state being applied and its commit.
    var applied: (snapshot: Snapshot, revision: Revision)?
    /// A head commit refused as invalid: not read again until the head moves.
    var refusedInvalid: String?
    var retries: [ObjectKey: RetryState] = [:]
    /// What each status file holds, to write only changes.
    var written: [String: String] = [:]
    /// Set after a pass that found nothing to do and nothing in flight: the next pass on the same commit may skip.
    var quietCommit: String?
    var quietSince = Date()
    var fingerprint: String?

    struct RetryState {
        var attempts: Int
        var next: Date
        var message: String
    }

    public init(source: any DesiredStateSource, catalog: any Catalog, builds: any BuildDriver, vms: any VMDriver,
                paths: DataPaths, options: ReconcilerOptions = ReconcilerOptions(),
                logger: Logger = Logger(label: "kiln.reconciler")) {
        self.source = source
        self.catalog = catalog
        self.builds = builds
        self.vms = vms
        self.paths = paths
        self.options = options
        self.logger = logger
        executor = ActionExecutor(catalog: catalog, builds: builds, vms: vms, paths: paths, options: options, logger: logger)
    }

    /// How long a quiet loop may skip full passes before it looks at everything again anyway.
    static let resyncInterval: TimeInterval = 600

    /// Tidies what a crash can leave behind: temp files, half-moved tombstones, open journal entries.
    public func recover() async throws {
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
    public func pass(full: Bool = false) async -> PassReport {
        let started = ContinuousClock.now
        defer {
            let elapsed = ContinuousClock.now - started
            Timer(label: "kiln_reconcile_duration_seconds").recordNanoseconds(
                elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        }
        let now = Date()
        var report = PassReport()
        var sync = (try? await catalog.sync()) ?? SyncRecord()
        let origin = source.origin
        sync.source = origin.repository
        sync.branch = origin.branch
        sync.specRoot = origin.specRoot

        // 1. Where is the branch?
        var head: String?
        do {
            head = try await source.poll()
            sync.lastSeenCommit = head
            sync.lastSeenAt = now
        } catch {
            report.sourceError = "\(error)"
            logger.warning("cannot read the source: \(error)")
        }
        report.headCommit = head

        if !full, let head, head == quietCommit, applied?.revision.id == head, retries.isEmpty,
           now.timeIntervalSince(quietSince) < Self.resyncInterval, !tombstoneDue(now) {
            report.appliedCommit = head
            report.settled = true
            report.objects = lastObjects
            return report
        }
        quietCommit = nil

        // 2. Read the head commit, unless it is applied or already refused as invalid.
        if applied == nil, let last = sync.lastAppliedCommit {
            let load = await source.load(commit: last)
            if case .success(let snapshot) = load.result { applied = (snapshot, load.revision) }
        }
        var candidate: (Snapshot, Revision)?
        if let head, head != applied?.revision.id, head != refusedInvalid {
            let load = await source.load(commit: head)
            switch load.result {
            case .failure(let failure):
                refusedInvalid = head
                refuse(&sync, load.revision, .invalid, errors: failure.errors, deletions: [], now: now)
                logger.error("commit \(load.revision.shortID) is invalid (\(failure.errors.count) errors); keeping \(applied?.revision.shortID ?? "nothing")")
            case .success(let snapshot):
                candidate = (snapshot, load.revision)
            }
        }

        // 3. What is there?
        var mark = ContinuousClock.now
        func lap(_ name: String) {
            let now = ContinuousClock.now
            report.timings.append((name, now - mark))
            mark = now
        }
        lap("source")
        guard let fingerprint = await toolsFingerprint() else { return report }
        var actual: CatalogState
        do {
            actual = try await catalog.state()
            if await observe(actual) { actual = try await catalog.state() }
        } catch {
            report.sourceError = "cannot read the catalog: \(error)"
            return report
        }

        lap("catalog read")
        // 4. Accept the candidate unless its plan is over the deletion budget.
        if let (snapshot, revision) = candidate {
            let allowed = options.allowDestructive || revision.trailer("Kiln-Allow-Destructive")?.lowercased() == "true"
            let policy = PlannerPolicy(now: now, budget: options.budget, allowDestructive: allowed, toolsFingerprint: fingerprint)
            let trial = Planner.plan(desired: snapshot, actual: actual, policy: policy)
            if let destructive = trial.destructive, !allowed {
                refuse(&sync, revision, .destructive, errors: [], deletions: destructive.deletions.map(\.description), now: now,
                       why: destructive.why)
                logger.error("commit \(revision.shortID) is over the deletion budget: \(destructive.why); not applied")
            } else {
                if applied?.revision.id != revision.id { retries.removeAll() }
                applied = (snapshot, revision)
                refusedInvalid = nil
                sync.lastAppliedCommit = revision.id
                sync.lastAppliedAt = now
                sync.lastAppliedAuthor = revision.author
                sync.lastAppliedMessage = revision.summary
                clearRefusal(&sync)
            }
        }
        if sync.refusedCommit != nil, sync.refusedCommit != head, head != nil, head == applied?.revision.id {
            // The head moved past the refused commit and is applied: the refusal no longer describes anything.
            clearRefusal(&sync)
        }
        report.refusal = sync.refusedCommit == nil ? nil : sync.refusedReason
        report.refusalErrors = sync.refusedErrors
        report.refusalDeletions = sync.refusedDeletions
        report.refusalDetail = sync.refusedDetail

        // 5. Plan and act on the applied state.
        var plan = ReconcilePlan()
        if let (snapshot, revision) = applied {
            report.appliedCommit = revision.id
            let policy = PlannerPolicy(now: now, budget: options.budget, allowDestructive: true, toolsFingerprint: fingerprint)
            plan = Planner.plan(desired: snapshot, actual: actual, policy: policy)
            lap("plan")
            let due = plan.actions.filter { action in
                guard let retry = retries[action.key] else { return true }
                return retry.next <= now
            }
            let context = PassContext(snapshot: snapshot, revision: revision, specRoot: origin.specRoot, policy: policy, now: now)
            let executed = ReconcilePlan(actions: due, notes: plan.notes)
            report.outcomes = await executor.execute(due, phases: executed.phases, context: context, actual: actual)
            record(report.outcomes, now: now)
            lap("actions")
            if !report.outcomes.isEmpty, let refreshed = try? await catalog.state() { actual = refreshed }
            lap("catalog re-read")
        }

        // 6. Status.
        nextPurge = actual.tombstones.map(\.purgeAfter).min()
        let activeExecutions = !actual.activeExecutions.isEmpty
        report.objects = await writeStatus(actual: actual, plan: plan, now: now) { lap($0) }
        let booting = actual.vms.values.contains { $0.vmStatus == .creating || ($0.vmStatus == .poweredOn && !$0.guestReady) }
        report.settled = report.outcomes.isEmpty && plan.actions.isEmpty && !activeExecutions && retries.isEmpty && !booting
        sync.lastRunAt = now
        sync.lastRunResult = summary(report)
        do {
            try await catalog.saveSync(sync)
            try writeIfChanged(YAMLText.document(StatusDocument.sync(sync)), to: paths.syncStatus)
        } catch {
            logger.error("cannot write the sync status: \(error)")
        }
        if report.settled, let head, head == applied?.revision.id, sync.refusedCommit == nil {
            quietCommit = head
            quietSince = now
        }
        lastObjects = report.objects
        return report
    }

    var lastObjects: [ObjectKey: ObjectHealthSummary] = [:]
    /// Status files to write at the end of the pass.
    var pendingWrites: [(path: String, text: String)] = []
    var pendingCount = 0
    /// The earliest time a tombstone becomes due for purging, as of the last full pass.
    var nextPurge: Date?

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

    // MARK: helpers

    /// Whether a tombstone's grace has passed since the last full pass (its files are due for purging).
    func tombstoneDue(_ now: Date) -> Bool {
        guard let next = nextPurge else { return false }
        return next <= now
    }

    func toolsFingerprint() async -> String? {
        if let fingerprint { return fingerprint }
        let value = await builds.toolsFingerprint()
        fingerprint = value
        return value
    }

    func refuse(_ sync: inout SyncRecord, _ revision: Revision, _ reason: SyncRecord.RefusalReason, errors: [SpecError],
                deletions: [String], now: Date, why: String? = nil) {
        if sync.refusedCommit != revision.id || sync.refusedReason != reason { sync.refusedAt = now }
        sync.refusedCommit = revision.id
        sync.refusedAuthor = revision.author
        sync.refusedMessage = revision.summary
        sync.refusedReason = reason
        sync.refusedErrors = errors
        sync.refusedDeletions = deletions
        sync.refusedDetail = why
        Counter(label: "kiln_refused_commits_total", dimensions: [("reason", reason.rawValue)]).increment()
    }

    func clearRefusal(_ sync: inout SyncRecord) {
        sync.refusedCommit = nil
        sync.refusedAuthor = nil
        sync.refusedMessage = nil
        sync.refusedReason = nil
        sync.refusedErrors = []
        sync.refusedDeletions = []
        sync.refusedDetail = nil
        sync.refusedAt = nil
    }

    /// Backoff per object: a failed action is retried after 2s, 4s, 8s … (capped, ±20% jitter).
    func record(_ outcomes: [ActionOutcome], now: Date) {
        var failed: [ObjectKey: String] = [:]
        var succeeded: Set<ObjectKey> = []
        for outcome in outcomes {
            Counter(label: "kiln_actions_total", dimensions: [
                ("verb", outcome.action.verb), ("kind", outcome.action.key.kind.slug),
                ("result", outcome.error == nil ? "ok" : "failed"),
            ]).increment()
            if let error = outcome.error { failed[outcome.action.key] = "\(outcome.action.verb) failed: \(error)" }
            else { succeeded.insert(outcome.action.key) }
        }
        for key in succeeded where failed[key] == nil { retries[key] = nil }
        for (key, message) in failed {
            let attempts = (retries[key]?.attempts ?? 0) + 1
            let base = min(options.maxBackoff, options.baseBackoff * pow(2, Double(attempts - 1)))
            let delay = base * Double.random(in: 0.8...1.2)
            retries[key] = RetryState(attempts: attempts, next: now.addingTimeInterval(delay), message: message)
        }
    }

    /// Finds executions whose process is gone and VMs whose state changed behind Kiln's back; returns whether it
    /// changed the catalog.
    func observe(_ state: CatalogState) async -> Bool {
        var changed = false
        for execution in state.activeExecutions {
            guard !(await builds.isRunning(execution)) else { continue }
            // The worker may have finished between the two reads.
            guard var current = try? await catalog.execution(id: execution.id ?? -1), !current.status.isFinished else { continue }
            current.status = .failed
            current.interrupted = true
            current.endDate = Date()
            current.errorMessage = "interrupted: no process was running this execution (Kiln or its host stopped); it runs again"
            current.statusMessage = "Interrupted"
            try? await catalog.saveExecution(current)
            changed = true
            logger.warning("execution #\(current.buildNumber) of \(current.buildName) was interrupted; marked failed")
            paths.removeWorkerFiles(execution: current.id ?? -1)
        }
        for vm in state.vms.values where vm.directory != nil && vm.vmStatus != .waiting {
            let observation = await vms.observe(vm)
            guard observation.status != vm.vmStatus || observation.ready != vm.guestReady
                || observation.ipAddress != vm.ipAddress else { continue }
            var updated = vm
            executor.apply(observation, to: &updated)
            _ = try? await catalog.saveVM(updated)
            changed = true
        }
        return changed
    }
}
