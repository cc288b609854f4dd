import Foundation
import KilnCatalog
import KilnPlanner
import KilnSpec

extension Reconciler {
    /// Computes every object's conditions, saves those that changed, and rewrites the status files that changed.
    func writeStatus(_ pass: inout PassState) async -> [ObjectKey: ObjectHealthSummary] {
        let actual = pass.actual, plan = pass.plan, now = pass.now
        let retries = memory.retries
        var summaries: [ObjectKey: ObjectHealthSummary] = [:]
        var updates: [StatusUpdate] = []
        func failure(_ key: ObjectKey) -> Failure? {
            retries[key].map {
                Failure(message: $0.message, attempts: $0.attempts, reason: $0.failure.reason, isTerminal: $0.failure.isTerminal,
                        retryInSeconds: $0.failure.isTerminal ? nil : max(0, Int($0.next.timeIntervalSince(now))))
            }
        }
        // An object's status observes the commit that last changed its spec, not the newest commit: a commit that
        // changes one file of 10,000 then rewrites one status (row and file), not all of them. The sync status says
        // which commit is applied.
        func status(_ health: Health, previous: ObjectStatus, spec: SpecFields) -> ObjectStatus {
            ObjectStatus(conditions: HealthRules.conditions(health, previous: previous, now: now),
                         observedRevision: spec.revision, observedSpecHash: spec.specHash)
        }
        func same(_ a: ObjectStatus, _ b: ObjectStatus) -> Bool {
            a.observedRevision == b.observedRevision && a.observedSpecHash == b.observedSpecHash
                && a.conditions.map { [$0.type.rawValue, "\($0.status)", $0.reason, $0.message] }
                    == b.conditions.map { [$0.type.rawValue, "\($0.status)", $0.reason, $0.message] }
        }

        for var record in actual.builds.values {
            let key = ObjectKey(.imageBuild, record.name)
            let notes = plan.notes[key] ?? []
            let health = HealthRules.build(record, executions: actual.executions[record.name] ?? [], notes: notes, failure: failure(key))
            let new = status(health, previous: record.status, spec: record.specFields)
            if !same(new, record.status) {
                record.status = new
                updates.append(StatusUpdate(key: key, status: new))
            }
            summaries[key] = ObjectHealthSummary(ready: health.ready, reason: health.reason, message: health.message)
            statusFiles.queue(key, YAMLText.document(StatusDocument.build(record, state: actual, notes: notes)))
        }
        for var record in actual.images.values {
            let key = ObjectKey(.image, record.name)
            let notes = plan.notes[key] ?? []
            var changed = false
            if record.state == .queued, case .build(let build, _)? = record.typed.source,
               actual.latestSuccess(of: build) == nil, let latest = actual.latest(of: build), latest.status == .failed,
               !latest.interrupted {
                record.state = .failed
                changed = true
            }
            let health = HealthRules.image(record, notes: notes, failure: failure(key))
            let new = status(health, previous: record.status, spec: record.specFields)
            if changed || !same(new, record.status) {
                record.status = new
                updates.append(StatusUpdate(key: key, status: new, imageState: record.state))
            }
            summaries[key] = ObjectHealthSummary(ready: health.ready, reason: health.reason, message: health.message)
            statusFiles.queue(key, YAMLText.document(StatusDocument.image(record, notes: notes)))
        }
        for var record in actual.vms.values {
            let key = ObjectKey(.virtualMachine, record.name)
            let notes = plan.notes[key] ?? []
            let health = HealthRules.vm(record, notes: notes, failure: failure(key), now: now)
            let new = status(health, previous: record.status, spec: record.specFields)
            if !same(new, record.status) {
                record.status = new
                updates.append(StatusUpdate(key: key, status: new))
            }
            summaries[key] = ObjectHealthSummary(ready: health.ready, reason: health.reason, message: health.message)
            statusFiles.queue(key, YAMLText.document(StatusDocument.vm(record, notes: notes,
                                                                       callbacks: actual.callbacks[record.name] ?? [], now: now)))
        }
        pass.lap("status computed")
        do {
            try await catalog.saveStatuses(updates)
        } catch {
            logger.error("cannot save statuses: \(error)")
        }
        pass.lap("status saved")
        do {
            try statusFiles.flush()
        } catch {
            logger.error("cannot write status files: \(error)")
        }
        pass.lap("status files written (\(statusFiles.lastFlushCount) files)")
        statusFiles.removeStale { summaries[$0] != nil }
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
