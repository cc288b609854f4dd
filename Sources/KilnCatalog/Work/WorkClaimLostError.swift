import Foundation

/// A renewal or finish refused because the claim it carries is no longer the work's current one: its lease ran out
/// and the work went back to the queue (and maybe to another host), or it was already finished. Nothing of the
/// refused call was applied; the host drops its result and cleans up what it made.
public struct WorkClaimLostError: Error, CustomStringConvertible, Sendable {
    public var claim: WorkClaim
    /// The row as the catalog holds it now (nil: the row is gone).
    public var current: WorkRecord?

    public init(claim: WorkClaim, current: WorkRecord?) {
        self.claim = claim
        self.current = current
    }

    public var description: String {
        let now: String
        if let current {
            switch current.state {
            case .claimed where current.holder != claim.host || current.attempt != claim.attempt:
                now = "it is now claimed by \(current.holder ?? "?") (attempt \(current.attempt))"
            case .queued: now = "it is queued again (\(current.result ?? "no reason recorded"))"
            case .done, .failed:
                now =
                    "it already ended \(current.state.rawValue) (attempt \(current.attempt) by \(current.holder ?? "?"))"
            case .claimed: now = "it is claimed (attempt \(current.attempt))"
            }
        } else {
            now = "it is no longer in the catalog"
        }
        return "the claim of \(claim) is no longer held: \(now); its result is refused and nothing of it was applied"
    }
}
