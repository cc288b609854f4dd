import Foundation
import KilnCatalog
import KilnPlanner
import KilnSpec

extension Reconciler {
    /// Computes every object's conditions, saves those that changed, and rewrites the status files that changed.
    func writeStatus(actual: CatalogState, plan: ReconcilePlan, now: Date,
                     lap: (String) -> Void = { _ in }) async -> [ObjectKey: ObjectHealthSummary] {
        let revision = applied?.revision.id
        var summaries: [ObjectKey: ObjectHealthSummary] = [:]
        var updates: [StatusUpdate] = []
        func failure(_ key: ObjectKey) -> Failure? {
            retries[key].map { Failure(message: $0.message, attempts: $0.attempts, retryInSeconds: max(0, Int($0.next.timeIntervalSince(now)))) }
        }
        func status(_ health: Health, previous: ObjectStatus, specHash: String) -> ObjectStatus {
            ObjectStatus(conditions: HealthRules.conditions(health, previous: previous, now: now),
                         observedRevision: revision, observedSpecHash: specHash)
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
            let new = status(health, previous: record.status, specHash: record.specHash)
            if !same(new, record.status) {
                record.status = new
                updates.append(StatusUpdate(key: key, status: new))
            }
            summaries[key] = ObjectHealthSummary(ready: health.ready, reason: health.reason, message: health.message)
            writeStatusFile(key, YAMLText.document(StatusDocument.build(record, state: actual, notes: notes)))
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
            let new = status(health, previous: record.status, specHash: record.specHash)
            if changed || !same(new, record.status) {
                record.status = new
                updates.append(StatusUpdate(key: key, status: new, imageState: record.state))
            }
            summaries[key] = ObjectHealthSummary(ready: health.ready, reason: health.reason, message: health.message)
            writeStatusFile(key, YAMLText.document(StatusDocument.image(record, notes: notes)))
        }
        for var record in actual.vms.values {
            let key = ObjectKey(.virtualMachine, record.name)
            let notes = plan.notes[key] ?? []
            let health = HealthRules.vm(record, notes: notes, failure: failure(key))
            let new = status(health, previous: record.status, specHash: record.specHash)
            if !same(new, record.status) {
                record.status = new
                updates.append(StatusUpdate(key: key, status: new))
            }
            summaries[key] = ObjectHealthSummary(ready: health.ready, reason: health.reason, message: health.message)
            writeStatusFile(key, YAMLText.document(StatusDocument.vm(record, notes: notes)))
        }
        lap("status computed")
        do {
            try await catalog.saveStatuses(updates)
        } catch {
            logger.error("cannot save statuses: \(error)")
        }
        lap("status saved")
        flushStatusFiles()
        lap("status files written (\(pendingCount) files)")
        // Status files of objects the catalog no longer has.
        for path in written.keys where path != paths.syncStatus {
            let parts = path.split(separator: "/").suffix(2)
            guard parts.count == 2, let kind = Kind(slug: String(parts.first!)) else { continue }
            let key = ObjectKey(kind, String(parts.last!.dropLast(5)))
            if summaries[key] == nil {
                try? FileManager.default.removeItem(atPath: path)
                written[path] = nil
            }
        }
        return summaries
    }

    func writeStatusFile(_ key: ObjectKey, _ text: String) {
        let path = paths.status(key)
        guard written[path] != text else { return }
        pendingWrites.append((path, text))
    }

    /// Writes the status files queued during this pass, with one flush to disk.
    func flushStatusFiles() {
        let batch = pendingWrites
        pendingCount = batch.count
        pendingWrites.removeAll()
        do {
            try AtomicFile.writeBatch(batch)
            for (path, text) in batch { written[path] = text }
        } catch {
            logger.error("cannot write status files: \(error)")
        }
    }

    func writeIfChanged(_ text: String, to path: String) throws {
        if written[path] == text { return }
        if written[path] == nil, let existing = try? String(contentsOfFile: path, encoding: .utf8), existing == text {
            written[path] = text
            return
        }
        try AtomicFile.write(text, to: path)
        written[path] = text
    }

    func summary(_ report: PassReport) -> String {
        let failed = report.failedActions.count
        let ready = report.objects.values.filter(\.ready).count
        var parts = ["\(report.outcomes.count) actions (\(failed) failed)", "\(ready)/\(report.objects.count) ready"]
        if let refusal = report.refusal { parts.append("head commit refused (\(refusal.rawValue))") }
        if let error = report.sourceError { parts.append("source error: \(error)") }
        return parts.joined(separator: ", ")
    }
}
