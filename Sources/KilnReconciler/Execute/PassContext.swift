import Foundation
import KilnCatalog
import KilnPlanner
import KilnSpec

/// What one reconcile pass works from: the applied desired state and its commit.
struct PassContext: Sendable {
    var snapshot: Snapshot
    var revision: Revision
    var specRoot: String
    var policy: PlannerPolicy
    var now: Date
}

/// The result of one action.
public struct ActionOutcome: Sendable {
    public var action: Action
    /// Nil when it succeeded.
    public var failure: ActionFailure?

    public init(action: Action, failure: ActionFailure?) {
        self.action = action
        self.failure = failure
    }

    /// The failure's message, nil when it succeeded.
    public var error: String? { failure?.message }
}
