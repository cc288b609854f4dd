import Foundation
import Synchronization

/// A wall clock a test moves forward, for ``ReconcilerOptions/now``: a test that needs time to pass (a backoff, a
/// prune grace, a transition time) advances it instead of sleeping.
///
/// By default it runs with the real clock, shifted by what the test advanced (so the small backoffs of a harness
/// still pass by themselves); `frozenAt:` makes it stand still between advances.
public final class TestClock: Sendable {
    private let base: Date?
    private let offset = Mutex<TimeInterval>(0)

    /// The real clock, shifted by every ``advance(by:)``.
    public init() { base = nil }

    /// A clock that stands at `start` until advanced.
    public init(frozenAt start: Date) { base = start }

    /// The time now.
    public var date: Date { (base ?? Date()).addingTimeInterval(offset.withLock { $0 }) }

    /// The clock as a closure, for options that take one.
    public var now: @Sendable () -> Date { { [self] in date } }

    /// Moves the clock forward by `seconds`.
    public func advance(by seconds: TimeInterval) {
        offset.withLock { $0 += seconds }
    }
}
