import Foundation
import KilnCatalog
import KilnPlanner
import KilnSpec
import Metrics

/// The phases of a pass, in the order ``Reconciler/pass(full:)`` runs them.
extension Reconciler {
    /// The sync record to start from: the catalog's, with the source's identity.
    func currentSync() async -> SyncRecord {
        var sync = (try? await catalog.sync()) ?? SyncRecord()
        let origin = source.origin
        sync.source = origin.repository
        sync.branch = origin.branch
        sync.specRoot = origin.specRoot
        return sync
    }

    /// Phase 1: where is the branch?
    func locateHead(_ pass: inout PassState) async {
        do {
            pass.head = try await source.poll()
        } catch {
            pass.report.sourceError = "\(error)"
            logger.warning("cannot read the source: \(error)")
        }
        pass.report.headCommit = pass.head
    }

    /// Phase 1b, past the quiet check: the sync record to write on the way out, with the head just seen.
    func readSync(_ pass: inout PassState) async {
        pass.sync = await currentSync()
        guard let head = pass.head else { return }
        pass.sync.lastSeenCommit = head
        pass.sync.lastSeenAt = pass.now
    }

    /// Whether this pass may skip everything: the same commit as a quiet pass not long ago, nothing to retry, no
    /// tombstone due.
    func isQuiet(_ pass: PassState) -> Bool {
        guard !pass.full, let head = pass.head, head == memory.quietCommit, memory.applied?.revision.id == head,
            !hasPendingRetries, pass.now.timeIntervalSince(memory.quietSince) < Self.resyncInterval
        else { return false }
        return !tombstoneDue(pass.now)
    }

    func quietReport(_ pass: PassState) -> PassReport {
        var report = pass.report
        report.appliedCommit = pass.head
        report.settled = true
        report.objects = memory.lastObjects
        return report
    }

    /// Phase 2: read the head commit, unless it is applied or already refused as invalid.
    func readHead(_ pass: inout PassState) async {
        if memory.applied == nil, let last = pass.sync.lastAppliedCommit {
            let load = await source.load(commit: last)
            if case .success(let snapshot) = load.result { memory.applied = (snapshot, load.revision) }
        }
        guard let head = pass.head, head != memory.applied?.revision.id, head != memory.refusedInvalid else { return }
        let load = await source.load(commit: head)
        switch load.result {
        case .failure(let failure):
            memory.refusedInvalid = head
            refuse(&pass.sync, load.revision, .invalid, errors: failure.errors, deletions: [], now: pass.now)
            logger.error(
                "commit \(load.revision.shortID) is invalid (\(failure.errors.count) errors); keeping \(memory.applied?.revision.shortID ?? "nothing")"
            )
        case .success(let snapshot):
            pass.candidate = (snapshot, load.revision)
        }
    }

    /// Phase 3: what is there, in the catalog and on the host. False when the catalog cannot be read.
    func readActual(_ pass: inout PassState) async -> Bool {
        pass.fingerprint = await toolsFingerprint()
        do {
            pass.actual = try await readCatalog()
            if await observe(&pass) { pass.actual = try await readCatalog() }
            return true
        } catch {
            pass.report.sourceError = "cannot read the catalog: \(error)"
            return false
        }
    }

    /// Phase 4: accept the candidate unless its plan is over the deletion budget.
    func accept(_ pass: inout PassState) {
        if let (snapshot, revision) = pass.candidate {
            let allowed = options.allowDestructive || revision.trailer("Kiln-Allow-Destructive")?.lowercased() == "true"
            let policy = PlannerPolicy(
                now: pass.now, budget: options.budget, allowDestructive: allowed,
                toolsFingerprint: pass.fingerprint)
            let trial = Planner.plan(desired: snapshot, actual: pass.actual, policy: policy)
            if let destructive = trial.destructive, !allowed {
                refuse(
                    &pass.sync, revision, .destructive, errors: [], deletions: destructive.deletions.map(\.description),
                    now: pass.now, why: destructive.why)
                logger.error("commit \(revision.shortID) is over the deletion budget: \(destructive.why); not applied")
            } else {
                if memory.applied?.revision.id != revision.id { memory.retries.removeAll() }
                memory.applied = (snapshot, revision)
                memory.refusedInvalid = nil
                pass.sync.lastAppliedCommit = revision.id
                pass.sync.lastAppliedAt = pass.now
                pass.sync.lastAppliedAuthor = revision.author
                pass.sync.lastAppliedMessage = revision.summary
                clearRefusal(&pass.sync)
            }
        }
        if pass.sync.refusedCommit != nil, pass.sync.refusedCommit != pass.head, pass.head != nil,
            pass.head == memory.applied?.revision.id
        {
            // The head moved past the refused commit and is applied: the refusal no longer describes anything.
            clearRefusal(&pass.sync)
        }
        pass.report.refusal = pass.sync.refusedCommit == nil ? nil : pass.sync.refusedReason
        pass.report.refusalErrors = pass.sync.refusedErrors
        pass.report.refusalDeletions = pass.sync.refusedDeletions
        pass.report.refusalDetail = pass.sync.refusedDetail
    }

    /// Phase 5: plan against the applied state and perform what is due (actions waiting for a retry are not).
    func act(_ pass: inout PassState) async {
        guard let (snapshot, revision) = memory.applied else { return }
        pass.report.appliedCommit = revision.id
        var policy = PlannerPolicy(
            now: pass.now, budget: options.budget, allowDestructive: true,
            toolsFingerprint: pass.fingerprint)
        do {
            policy.fleet = try await fleetPlacement(
                hostsFile: snapshot.hosts, images: Array(pass.actual.images.values))
        } catch {
            // Never plan a fleet's VMs without its hosts: they would all look unplaceable.
            pass.report.sourceError = "cannot read the fleet's hosts: \(error)"
            return
        }
        pass.plan = Planner.plan(desired: snapshot, actual: pass.actual, policy: policy)
        pass.lap("plan")
        let now = pass.now
        let due = pass.plan.actions.filter { action in
            guard let retry = memory.retries[action.key] else { return true }
            return retry.next <= now
        }
        let context = PassContext(
            snapshot: snapshot, revision: revision, specRoot: source.origin.specRoot, policy: policy,
            now: now)
        let executed = ReconcilePlan(actions: due, notes: pass.plan.notes)
        pass.report.outcomes = await executor.execute(
            due, phases: executed.phases, context: context, actual: pass.actual)
        record(pass.report.outcomes, now: now)
        pass.lap("actions")
        if !pass.report.outcomes.isEmpty {
            do {
                pass.actual = try await readCatalog()
            } catch {
                // Statuses then describe the state before the actions; the next pass reads again.
                logger.error("cannot read the catalog again after the actions: \(error)")
                pass.report.catalogErrors.append("cannot read the catalog again after the actions: \(error)")
            }
        }
        pass.lap("catalog re-read")
    }

    /// Phase 6: every object's status, and whether everything has settled.
    func computeStatus(_ pass: inout PassState) async {
        memory.nextPurge = pass.actual.tombstones.map(\.purgeAfter).min()
        let activeExecutions = !pass.actual.activeExecutions.isEmpty
        pass.report.objects = await writeStatus(&pass)
        pass.statusComputed = true
        pass.report.unownedVMFolders = unownedVMFolders(pass.actual)
        memory.watchedVMs = Array(pass.actual.vms.values)
        // A guest past its boot deadline is reported (BootTimeout) and left running: it no longer holds the pass.
        let now = pass.now
        let booting = pass.actual.vms.values.contains {
            $0.vmStatus == .creating
                || ($0.vmStatus == .poweredOn && !$0.guestReady && !$0.missedBootDeadline(now: now))
        }
        // Actions held back by a terminal failure wait for a change in git: they do not keep the pass unsettled, so
        // `kiln sync --wait` reports them at once instead of waiting out its timeout.
        let open = pass.plan.actions.filter { !isStalled($0) }
        let acted = pass.report.outcomes.contains { $0.failure?.isTerminal != true }
        // Callbacks go out in the background; a pass is settled only once they are through (bounded by attempts).
        await callbacks?.dispatch(Array(pass.actual.vms.values), deliveries: pass.actual.callbacks, now: now)
        let calling = await callbacks?.isBusy ?? false
        pass.report.settled = !acted && open.isEmpty && !activeExecutions && !hasPendingRetries && !booting && !calling
    }

    /// On the way out, whatever happened: the sync record and its status file, written once; and whether the next
    /// pass on this commit may be quiet.
    func finish(_ pass: inout PassState) async {
        pass.sync.lastRunAt = pass.now
        pass.sync.lastRunResult = summary(pass.report)
        do {
            try await catalog.saveSync(pass.sync)
            try statusFiles.writeIfChanged(
                YAMLText.document(StatusDocument.sync(pass.sync, unownedVMFolders: pass.report.unownedVMFolders)),
                to: paths.syncStatus)
        } catch {
            logger.error("cannot write the sync status: \(error)")
        }
        if pass.report.settled, let head = pass.head, head == memory.applied?.revision.id,
            pass.sync.refusedCommit == nil
        {
            memory.quietCommit = head
            memory.quietSince = pass.now
        }
        if pass.statusComputed { memory.lastObjects = pass.report.objects }
    }

    // MARK: helpers

    /// Folders under `<data-dir>/vms` that no VM record names (left by hand, or by another tool): Kiln reports them and
    /// leaves them alone, since it deletes only what its inventory lists.
    func unownedVMFolders(_ state: CatalogState) -> [String] {
        let owned = Set(state.vms.values.map { paths.vm(uuid: $0.uuid) })
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: paths.vms)) ?? []
        let unowned = entries.map { "\(paths.vms)/\($0)" }.filter { !owned.contains($0) }.sorted()
        if unowned != memory.reportedUnowned {
            for folder in unowned where !memory.reportedUnowned.contains(folder) {
                logger.warning(
                    "\(folder) belongs to no VirtualMachine of the catalog; Kiln leaves it alone (remove it by hand if it is no one's)"
                )
            }
            memory.reportedUnowned = unowned
        }
        return unowned
    }

    /// Whether a tombstone's grace has passed since the last full pass (its files are due for purging).
    func tombstoneDue(_ now: Date) -> Bool {
        guard let next = memory.nextPurge else { return false }
        return next <= now
    }

    func toolsFingerprint() async -> String {
        if let fingerprint = memory.fingerprint { return fingerprint }
        let value = await builds.toolsFingerprint()
        memory.fingerprint = value
        return value
    }

    func refuse(
        _ sync: inout SyncRecord, _ revision: Revision, _ reason: SyncRecord.RefusalReason, errors: [SpecError],
        deletions: [String], now: Date, why: String? = nil
    ) {
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
}
