import Foundation
import KilnPlanner
import KilnSpec
import Metrics

extension Reconciler {
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
        for key in succeeded where failed[key] == nil { memory.retries[key] = nil }
        for (key, message) in failed {
            let attempts = (memory.retries[key]?.attempts ?? 0) + 1
            let base = min(options.maxBackoff, options.baseBackoff * pow(2, Double(attempts - 1)))
            let delay = base * Double.random(in: 0.8...1.2)
            memory.retries[key] = RetryState(attempts: attempts, next: now.addingTimeInterval(delay), message: message)
        }
    }
}
