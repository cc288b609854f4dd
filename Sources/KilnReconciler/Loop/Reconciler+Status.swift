import Foundation
import KilnCatalog
import KilnPlanner
import KilnSpec

extension Reconciler {
    /// Computes the conditions of every object whose inputs changed, saves those that changed, and hands the status
    /// files that changed to the background writer.
    func writeStatus(_ pass: inout PassState) async -> [ObjectKey: ObjectHealthSummary] {
        let actual = pass.actual
        let plan = pass.plan
        let now = pass.now
        let retries = memory.retries
        var summaries: [ObjectKey: ObjectHealthSummary] = [:]
        var updates: [StatusUpdate] = []
        func failure(_ key: ObjectKey) -> Failure? {
            retries[key].map {
                Failure(
                    message: $0.message, attempts: $0.attempts, reason: $0.failure.reason,
                    isTerminal: $0.failure.isTerminal,
                    retryInSeconds: $0.failure.isTerminal ? nil : max(0, Int($0.next.timeIntervalSince(now))))
            }
        }
        // An object's status observes the commit that last changed its spec, not the newest commit: a commit that
        // changes one file of 10,000 then rewrites one status (row and file), not all of them. The sync status says
        // which commit is applied.
        func status(_ health: Health, previous: ObjectStatus, spec: SpecFields) -> ObjectStatus {
            ObjectStatus(
                conditions: HealthRules.conditions(health, previous: previous, now: now),
                observedRevision: spec.revision, observedSpecHash: spec.specHash)
        }
        func same(_ a: ObjectStatus, _ b: ObjectStatus) -> Bool {
            a.observedRevision == b.observedRevision && a.observedSpecHash == b.observedSpecHash
                && a.conditions.map { [$0.type.rawValue, "\($0.status)", $0.reason, $0.message] }
                    == b.conditions.map { [$0.type.rawValue, "\($0.status)", $0.reason, $0.message] }
        }

        // The files of the last pass first: the statuses saved below are then never more than one pass ahead of the
        // files (after a crash as well). The writer had the time between passes, so this rarely waits.
        await statusFiles.waitForWriter()
        let unwritten = statusFiles.takeFailures()
        if let (path, why) = unwritten.first {
            logger.error(
                "cannot write \(unwritten.count) status files (first: \(path): \(why)); they are written again")
            memory.statusMemos.removeAll()
        }
        // An object whose inputs are those of the last pass has the status, row and file it got then: skipped. What
        // was computed is remembered with the record as it is once the new status is saved.
        var memos: [ObjectKey: StatusMemo] = [:]
        memos.reserveCapacity(actual.builds.count + actual.images.count + actual.vms.count)
        let previous = memory.statusMemos
        func reuse(_ key: ObjectKey, _ inputs: StatusInputs) -> Bool {
            guard let memo = previous[key], memo.inputs == inputs else { return false }
            memos[key] = memo
            summaries[key] = memo.summary
            return true
        }
        func remember(_ key: ObjectKey, _ inputs: StatusInputs, _ health: Health) {
            let summary = ObjectHealthSummary(ready: health.ready, reason: health.reason, message: health.message)
            summaries[key] = summary
            memos[key] = StatusMemo(inputs: inputs, summary: summary)
        }

        for var record in actual.builds.values {
            let key = ObjectKey(.imageBuild, record.name)
            let notes = plan.notes[key] ?? []
            let executions = actual.executions[record.name] ?? []
            let images = executions.map { actual.virtualImages[$0.id ?? -1] ?? [] }
            let failed = failure(key)
            if reuse(key, .build(record, executions, images, notes, failed)) { continue }
            let health = HealthRules.build(record, executions: executions, notes: notes, failure: failed)
            let new = status(health, previous: record.status, spec: record.specFields)
            if !same(new, record.status) {
                record.status = new
                updates.append(StatusUpdate(key: key, status: new))
            }
            remember(key, .build(record, executions, images, notes, failed), health)
            statusFiles.queue(key, YAMLText.document(StatusDocument.build(record, state: actual, notes: notes)))
        }
        for var record in actual.images.values {
            let key = ObjectKey(.image, record.name)
            let notes = plan.notes[key] ?? []
            var buildExecutions: [ExecutionRecord]?
            if case .build(let build, _)? = record.typed.source { buildExecutions = actual.executions[build] ?? [] }
            let failed = failure(key)
            if reuse(key, .image(record, buildExecutions, notes, failed)) { continue }
            var changed = false
            if record.state == .queued, case .build(let build, _)? = record.typed.source,
                actual.latestSuccess(of: build) == nil, let latest = actual.latest(of: build), latest.status == .failed,
                !latest.interrupted
            {
                record.state = .failed
                changed = true
            }
            let health = HealthRules.image(record, notes: notes, failure: failed)
            let new = status(health, previous: record.status, spec: record.specFields)
            if changed || !same(new, record.status) {
                record.status = new
                updates.append(StatusUpdate(key: key, status: new, imageState: record.state))
            }
            remember(key, .image(record, buildExecutions, notes, failed), health)
            statusFiles.queue(key, YAMLText.document(StatusDocument.image(record, notes: notes)))
        }
        for var record in actual.vms.values {
            let key = ObjectKey(.virtualMachine, record.name)
            let notes = plan.notes[key] ?? []
            let callbacks = actual.callbacks[record.name] ?? []
            let failed = failure(key)
            // A booting guest's status moves with the clock (boot deadline, guest agent): computed on every pass.
            let clock = record.vmStatus == .poweredOn && (!record.guestReady || record.guestOs == nil) ? now : nil
            if reuse(key, .vm(record, callbacks, notes, failed, clock)) { continue }
            let health = HealthRules.vm(record, notes: notes, failure: failed, now: now)
            let new = status(health, previous: record.status, spec: record.specFields)
            if !same(new, record.status) {
                record.status = new
                updates.append(StatusUpdate(key: key, status: new))
            }
            remember(key, .vm(record, callbacks, notes, failed, clock), health)
            statusFiles.queue(
                key, YAMLText.document(StatusDocument.vm(record, notes: notes, callbacks: callbacks, now: now)))
        }
        pass.lap("status computed")
        // The writer writes the files on its own thread while the catalog saves the rows.
        statusFiles.flush()
        do {
            try await catalog.saveStatuses(updates)
        } catch {
            // The next pass computes every status again rather than trust what was not saved.
            memos.removeAll()
            logger.error("cannot save statuses: \(error)")
        }
        pass.lap("status saved (\(statusFiles.lastFlushCount) files being written)")
        if previous.isEmpty || memos.isEmpty {
            statusFiles.removeStale { summaries[$0] != nil }
        } else if memos.count != previous.count || previous.keys.contains(where: { memos[$0] == nil }) {
            // Every file written since the last full look belongs to an object the last pass remembered.
            statusFiles.remove(previous.keys.filter { memos[$0] == nil })
        }
        memory.statusMemos = memos
        return summaries
    }

    func summary(_ report: PassReport) -> String {
        let failed = report.failedActions.count
        let ready = report.objects.values.filter(\.ready).count
        var parts = ["\(report.outcomes.count) actions (\(failed) failed)", "\(ready)/\(report.objects.count) ready"]
        if let refusal = report.refusal { parts.append("head commit refused (\(refusal.rawValue))") }
        if let error = report.sourceError { parts.append("source error: \(error)") }
        if !report.catalogErrors.isEmpty {
            parts.append("\(report.catalogErrors.count) catalog errors (first: \(report.catalogErrors[0]))")
        }
        return parts.joined(separator: ", ")
    }
}
