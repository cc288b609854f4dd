import Foundation
import KilnPlanner
import KilnSpec
import Metrics

extension Reconciler {
    /// Remembers failed actions per object. A transient failure is retried after 2s, 4s, 8s … (capped, ±20% jitter);
    /// a terminal one is not retried until the commit changes (a new commit clears every retry) or Kiln restarts.
    func record(_ outcomes: [ActionOutcome], now: Date) {
        var failed: [ObjectKey: (ActionFailure, String)] = [:]
        var succeeded: Set<ObjectKey> = []
        for outcome in outcomes {
            Counter(
                label: "kiln_actions_total",
                dimensions: [
                    ("verb", outcome.action.verb), ("kind", outcome.action.key.kind.slug),
                    ("result", outcome.failure == nil ? "ok" : outcome.failure!.isTerminal ? "terminal" : "failed")
                ]
            ).increment()
            if let failure = outcome.failure {
                // A terminal failure wins over a transient one of the same object in the same pass.
                if failed[outcome.action.key]?.0.isTerminal != true {
                    failed[outcome.action.key] = (failure, "\(outcome.action.verb) failed: \(failure.message)")
                }
            } else {
                succeeded.insert(outcome.action.key)
            }
        }
        for key in succeeded where failed[key] == nil { memory.retries[key] = nil }
        for (key, (failure, message)) in failed {
            let attempts = (memory.retries[key]?.attempts ?? 0) + 1
            let next: Date
            if failure.isTerminal {
                next = .distantFuture
            } else {
                let base = min(options.maxBackoff, options.baseBackoff * pow(2, Double(attempts - 1)))
                next = now.addingTimeInterval(base * Double.random(in: 0.8...1.2))
            }
            memory.retries[key] = RetryState(attempts: attempts, next: next, message: message, failure: failure)
        }
    }

    /// Whether an object waits for a retry of a transient failure (a terminal one waits for a change instead).
    var hasPendingRetries: Bool { memory.retries.values.contains { !$0.failure.isTerminal } }

    /// Whether an action is held back by a terminal failure of its object.
    func isStalled(_ action: Action) -> Bool { memory.retries[action.key]?.failure.isTerminal == true }
}
