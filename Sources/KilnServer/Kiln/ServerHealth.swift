import Foundation

/// What the reconcile loop tells the server about itself: whether the first pass has finished (readiness), and when
/// the last pass ended and the next one is due (for `/kiln/v1/sync`).
public actor ServerHealth {
    public private(set) var ready = false
    public private(set) var lastPassAt: Date?
    public private(set) var nextPassAt: Date?

    public init() {}

    public func markReady() { ready = true }

    /// A pass ended; the next is due at `next`.
    public func passEnded(at date: Date, next: Date?) {
        ready = true
        lastPassAt = date
        nextPassAt = next
    }
}
