import Foundation
import Synchronization

/// This host's place in the fleet, as its ``LeaderElection`` last learned it: what the reconcile loop checks before
/// each pass, what fenced writes carry, and what `/readyz` reports.
public final class Leadership: Sendable {
    /// What this host is.
    public enum Role: Sendable, Hashable {
        /// It holds the leader lock, with this record (its epoch is the fencing token).
        case leader(LeaderRecord)
        /// Another host leads (nil: nobody has taken the lead yet).
        case follower(LeaderRecord?)
        /// It cannot reach the catalog, so it cannot know (and does not lead).
        case disconnected(String)
    }

    struct State {
        var role: Role = .disconnected("not connected yet")
        /// When the election last proved the lock held (its session answered).
        var renewedAt: ContinuousClock.Instant?
        /// The epoch of this host's latest leadership, kept after it ends: a late write then carries the stale epoch
        /// and the catalog refuses it.
        var fence: Int64?
        /// When the election's current session to the catalog began; nil while it has none.
        var sessionSince: ContinuousClock.Instant?
    }

    /// This host's name (`--host-name`).
    public let host: String
    /// `--lease`: how long a leader may go unheard before another takes over.
    public let lease: Duration
    private let state = Mutex(State())
    private let changed: @Sendable (Role) -> Void

    /// `changed` hears every change of role (to wake the loop).
    public init(host: String, lease: Duration, changed: @escaping @Sendable (Role) -> Void = { _ in }) {
        self.host = host
        self.lease = lease
        self.changed = changed
    }

    public var role: Role { state.withLock { $0.role } }

    /// The epoch this host leads with, while its lock is known to be held: nil once the election lost its session,
    /// or when it has not heard from it for two thirds of a lease (a paused or stuck process stops planning on its
    /// own, before anyone tells it).
    public var leadingEpoch: Int64? {
        state.withLock { state in
            guard case .leader(let record) = state.role, let renewed = state.renewedAt,
                ContinuousClock.now - renewed < lease * 2 / 3
            else { return nil }
            return record.epoch
        }
    }

    /// The epoch the running reconcile pass (or recovery) began under, set by the reconcile loop around it: fenced
    /// writes made within it, and within tasks it starts, carry this epoch rather than the latest. A leader that loses
    /// the lead during a pass (paused, cut off) and wins it again before the pass ends would otherwise write what it
    /// planned under the old term with the new term's epoch; now the rest of that pass is refused, and the next one,
    /// under the new epoch, reads the catalog again.
    @TaskLocal public static var passEpoch: Int64?

    /// The fencing token every write of this host carries: the epoch of the running pass (``passEpoch``), or else of
    /// this host's latest leadership; nil if it never led.
    public var fence: Int64? { Self.passEpoch ?? state.withLock { $0.fence } }

    /// Who leads, as far as this host knows.
    public var leader: LeaderRecord? {
        switch role {
        case .leader(let record): record
        case .follower(let record): record
        case .disconnected: nil
        }
    }

    /// How long the election's current session has reached the catalog without a break: nil while it has no session.
    /// A leader judges hosts Lost only over this time (``FleetHosts/watched(for:)``).
    public var sessionAge: Duration? { sessionSince.map { ContinuousClock.now - $0 } }

    /// How long this host has watched the catalog without a break, to judge hosts Lost over
    /// (``FleetHosts/watched(for:)``): the session's age, and zero while it has none. A leader whose session broke has
    /// watched nothing since: a pass it is still finishing must not judge every old heartbeat Lost (after a catalog
    /// restart every heartbeat is old, through no fault of the hosts).
    public var watchedTime: Duration { sessionAge ?? .zero }

    /// When the election's current session to the catalog began; nil while it has none.
    public var sessionSince: ContinuousClock.Instant? { state.withLock { $0.sessionSince } }

    /// The election's news: it has a new session to the catalog (after starting, or after the last one failed).
    public func sessionStarted() {
        state.withLock { $0.sessionSince = .now }
    }

    /// The election's news: a new role, or (same role) the lock proved held again.
    public func update(_ role: Role) {
        let previous = state.withLock { state in
            let previous = state.role
            state.role = role
            if case .leader(let record) = role {
                state.renewedAt = .now
                state.fence = record.epoch
            } else {
                state.renewedAt = nil
            }
            if case .disconnected = role { state.sessionSince = nil }
            return previous
        }
        if previous != role { changed(role) }
    }
}

/// How a host campaigns for the lead: ``run(_:)`` keeps ``Leadership`` current until cancelled.
public protocol LeaderElection: Sendable {
    func run(_ leadership: Leadership) async
}

/// The single host's election: on SQLite the data dir's lock already makes this process the only writer, so it leads
/// at once (its epoch still goes up, so the answers read as a fleet's do) and never needs fencing.
public struct SingleHostElection: LeaderElection {
    let catalog: any Catalog

    public init(catalog: any Catalog) {
        self.catalog = catalog
    }

    public func run(_ leadership: Leadership) async {
        while !Task.isCancelled {
            do {
                let record = try await catalog.takeLead(host: leadership.host)
                leadership.sessionStarted()
                leadership.update(.leader(record))
                while !Task.isCancelled {
                    try? await Task.sleep(for: leadership.lease / 3)
                    leadership.update(.leader(record))
                }
                return
            } catch {
                leadership.update(.disconnected("\(error)"))
                try? await Task.sleep(for: leadership.lease / 3)
            }
        }
    }
}
