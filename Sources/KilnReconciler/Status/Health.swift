import Foundation
import KilnCatalog
import KilnPlanner
import KilnSpec

/// What an object's conditions should say now: computed from records, plan notes and failed actions. Pure.
struct Health: Sendable, Hashable {
    var ready: Bool
    var reason: String
    var message: String
    /// Set while Kiln is working on the object.
    var reconciling: (reason: String, message: String)?
    /// Set while the object cannot progress without a change.
    var stalled: (reason: String, message: String)?

    static func == (a: Health, b: Health) -> Bool {
        a.ready == b.ready && a.reason == b.reason && a.message == b.message
            && a.reconciling?.reason == b.reconciling?.reason && a.reconciling?.message == b.reconciling?.message
            && a.stalled?.reason == b.stalled?.reason && a.stalled?.message == b.stalled?.message
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(ready)
        hasher.combine(reason)
        hasher.combine(message)
    }
}

/// A failed action of an object, and when it is tried again (nil: not until git changes).
struct Failure: Sendable, Hashable {
    var message: String
    var attempts: Int
    var reason: ActionFailure.Reason
    var isTerminal: Bool
    var retryInSeconds: Int?

    /// The health of an object whose last action failed: stalled with the failure's reason when terminal, retrying
    /// otherwise.
    var health: Health {
        if isTerminal {
            return Health(
                ready: false, reason: reason.rawValue, message: message,
                stalled: (reason.rawValue, "\(message); not retried until the spec, the commit or Kiln's flags change"))
        }
        return Health(
            ready: false, reason: "ReconcileError", message: message,
            reconciling: ("RetryScheduled", "attempt \(attempts) failed; retrying in \(retryInSeconds ?? 0)s"))
    }
}

enum HealthRules {
    static func build(_ record: BuildRecord?, executions: [ExecutionRecord], notes: [Note], failure: Failure?) -> Health
    {
        let spec = record?.typed
        let held = notes.filter { $0.reason == .heldBack }.map(\.message)
        let heldSuffix = held.isEmpty ? "" : " (" + held.joined(separator: "; ") + ")"
        if let failure { return failure.health }
        if let active = executions.last(where: { !$0.status.isFinished }) {
            let progress =
                "execution #\(active.buildNumber) \(active.status.rawValue): \(active.statusMessage ?? "") (\(Int(active.statusPercent))%)"
            return Health(ready: false, reason: "Building", message: progress, reconciling: ("Building", progress))
        }
        let latest = executions.last
        if let failed = notes.first(where: { $0.reason == .failed }) {
            return Health(
                ready: false, reason: "BuildFailed", message: failed.message, stalled: ("BuildFailed", failed.message))
        }
        if spec?.suspend == true {
            let message = "suspended" + (latest.map { "; execution #\($0.buildNumber) \($0.status.rawValue)" } ?? "")
            return Health(ready: latest?.status == .success, reason: "Suspended", message: message)
        }
        if let latest, latest.status == .success {
            let how = latest.reusedFrom != nil ? " (outputs reused)" : ""
            return Health(
                ready: true, reason: "Succeeded",
                message: "execution #\(latest.buildNumber) succeeded\(how)\(heldSuffix)")
        }
        let message =
            latest.map { "execution #\($0.buildNumber) \($0.status.rawValue); a new one is due" } ?? "no execution yet"
        return Health(ready: false, reason: "Pending", message: message, reconciling: ("Pending", message))
    }

    static func image(_ record: ImageRecord?, notes: [Note], failure: Failure?) -> Health {
        if let failure { return failure.health }
        if let unsupported = notes.first(where: { $0.reason == .unsupported }) {
            return Health(
                ready: false, reason: "Unsupported", message: unsupported.message,
                stalled: ("Unsupported", unsupported.message))
        }
        guard let record else {
            return Health(ready: false, reason: "Pending", message: "not recorded yet", reconciling: ("Pending", ""))
        }
        if let waiting = notes.first(where: { $0.reason == .deletionWaiting }) {
            return Health(
                ready: false, reason: waiting.reason.rawValue, message: waiting.message,
                reconciling: (waiting.reason.rawValue, waiting.message))
        }
        if let unavailable = notes.first(where: { $0.reason == .unavailable }) {
            return Health(
                ready: false, reason: "Unavailable", message: unavailable.message,
                stalled: ("Unavailable", "\(unavailable.message); usable again once that host returns"))
        }
        switch record.state {
        case .active:
            let what =
                record.path == nil
                ? "a catalog entry" : "\(record.format ?? "") image \((record.path! as NSString).lastPathComponent)"
            return Health(ready: true, reason: "Active", message: "\(what), version \(record.version)")
        case .failed:
            let message = notes.first?.message ?? "the image failed"
            return Health(ready: false, reason: "Failed", message: message, stalled: ("Failed", message))
        case .queued:
            let message = notes.first(where: { $0.reason == .waiting })?.message ?? "queued"
            return Health(ready: false, reason: "Waiting", message: message, reconciling: ("Waiting", message))
        }
    }

    static func vm(_ record: VMRecord?, notes: [Note], failure: Failure?, now: Date) -> Health {
        if let failure { return failure.health }
        if let note = notes.first(where: { $0.reason == .unsupported || $0.reason == .failed }) {
            return Health(
                ready: false, reason: note.reason.rawValue, message: note.message,
                stalled: (note.reason.rawValue, note.message))
        }
        if let suspended = notes.first(where: { $0.reason == .suspended }) {
            return Health(ready: record?.vmStatus == .poweredOn, reason: "Suspended", message: suspended.message)
        }
        // In a fleet: a placement.host the fleet lacks is reported, not waited for; a VM that fits nowhere stays
        // Pending until room frees up.
        if let unknown = notes.first(where: { $0.reason == .unknownHost }) {
            return Health(
                ready: false, reason: "UnknownHost", message: unknown.message, stalled: ("UnknownHost", unknown.message)
            )
        }
        if let unschedulable = notes.first(where: { $0.reason == .unschedulable }) {
            return Health(
                ready: false, reason: "Unschedulable", message: unschedulable.message,
                reconciling: ("Pending", unschedulable.message))
        }
        if let waiting = notes.first(where: { $0.reason == .waiting }) {
            return Health(
                ready: false, reason: "Waiting", message: waiting.message, reconciling: ("Waiting", waiting.message))
        }
        guard let record else {
            return Health(ready: false, reason: "Pending", message: "not recorded yet", reconciling: ("Pending", ""))
        }
        let wanted = record.typed.powerState
        let drifts =
            record.driftCount == 0
            ? ""
            : " (restored after \(record.driftCount) drift\(record.driftCount == 1 ? "" : "s"); last: \(record.lastDrift ?? "?"))"
        if record.isRecoveringFromDrift, record.vmStatus != .failed {
            let message = "\(record.lastDrift ?? "it is not as git asks"); restoring it (drift \(record.driftCount))"
            return Health(ready: false, reason: "Drifted", message: message, reconciling: ("Drifted", message))
        }
        switch record.vmStatus {
        case .poweredOn where wanted == .running:
            if record.guestReady {
                return Health(ready: true, reason: "Running", message: "powered on and ready" + drifts)
            }
            if record.missedBootDeadline(now: now) {
                let tail = record.consoleTail.map { "; last console lines:\n\($0)" } ?? "; the console printed nothing"
                let message =
                    "not ready \(record.typed.bootTimeout) after it started (bootTimeout); it keeps running\(tail)"
                return Health(ready: false, reason: "BootTimeout", message: message)
            }
            let probe = record.typed.readyConsoleContains.map { "waiting for the console to print \($0)" } ?? "booting"
            return Health(ready: false, reason: "Booting", message: probe, reconciling: ("Booting", probe))
        case .poweredOff where wanted == .stopped:
            return Health(ready: true, reason: "Stopped", message: "powered off, as git asks" + drifts)
        case .failed:
            let message = record.errorMessage ?? "the VM failed"
            return Health(ready: false, reason: "Failed", message: message, stalled: ("Failed", message))
        default:
            let message = "\(record.vmStatus.rawValue); git asks for \(wanted.rawValue)"
            return Health(ready: false, reason: "Progressing", message: message, reconciling: ("Progressing", message))
        }
    }

    /// Conditions for `health`, keeping each condition's last transition time unless its status changed.
    static func conditions(_ health: Health, previous: ObjectStatus?, now: Date) -> [Condition] {
        func time(_ type: Condition.ConditionType, _ status: Bool) -> Date {
            if let old = previous?.condition(type), old.status == status { return old.lastTransitionTime }
            return now
        }
        var out = [
            Condition(
                type: .ready, status: health.ready, reason: health.reason, message: health.message,
                lastTransitionTime: time(.ready, health.ready))
        ]
        if let r = health.reconciling {
            out.append(
                Condition(
                    type: .reconciling, status: true, reason: r.reason, message: r.message,
                    lastTransitionTime: time(.reconciling, true)))
        }
        if let s = health.stalled {
            out.append(
                Condition(
                    type: .stalled, status: true, reason: s.reason, message: s.message,
                    lastTransitionTime: time(.stalled, true)))
        }
        return out
    }
}
