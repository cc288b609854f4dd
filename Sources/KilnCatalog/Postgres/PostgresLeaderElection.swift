import Foundation
import Logging
import PostgresNIO

/// The fleet's election on PostgreSQL: the leader is the host whose own session holds `pg_try_advisory_lock` on
/// ``PostgresLocks/leader``. No consensus of Kiln's own: the lock lives as long as the session.
///
/// - A host that dies (SIGKILL, a crash, its connection cut) loses its session, so the server releases the lock, and
///   a follower, which tries every `lease / 3`, takes it.
/// - A host that stops answering while its connection stays open (SIGSTOP, a hung host) is ended by the server's
///   `idle_session_timeout` (two thirds of a lease, set on the session), which releases the lock too: another host
///   leads within one lease.
/// - Each takeover raises the leader row's epoch; the new leader's writes carry it, and the catalog refuses writes
///   that carry an older one (``PostgresCatalog/checkFence(_:on:logger:)``).
/// - The leader proves its session alive every `lease / 3`; when that fails it steps down at once, and
///   ``Leadership/leadingEpoch`` stops answering on its own when nothing was proved for two thirds of a lease.
public struct PostgresLeaderElection: LeaderElection {
    let configuration: PostgresConnection.Configuration
    let location: PostgresLocation
    let logger: Logger

    public func run(_ leadership: Leadership) async {
        let tick = leadership.lease / 3
        var failures = 0
        while !Task.isCancelled {
            do {
                try await campaign(leadership, tick: tick) { failures = 0 }
            } catch  where Task.isCancelled {
                break
            } catch {
                failures += 1
                let wasLeading = if case .leader = leadership.role { true } else { false }
                leadership.update(
                    .disconnected(
                        "the leader election's session failed: \(PostgresCatalogError.statement(error, at: location))"))
                if wasLeading {
                    logger.error(
                        "lost the leader lock's session (\(PostgresCatalogError.statement(error, at: location))): no longer leading; planning stops now"
                    )
                } else if failures == 1 {
                    logger.warning(
                        "leader election: cannot reach the catalog (\(PostgresCatalogError.statement(error, at: location))); retrying"
                    )
                }
                // Back off up to one lease, never longer: a follower must still be in time to take over.
                try? await Task.sleep(for: min(tick * Double(failures), leadership.lease))
            }
        }
    }

    /// One session: connect, then try the lock every tick (a follower) or prove it held (the leader), until it fails.
    func campaign(_ leadership: Leadership, tick: Duration, connected: () -> Void) async throws {
        // The idle timeout is a startup parameter, so that it holds from the first moment: a connection whose start-up
        // outlived the deadline below, and so is never used, is still ended by the server.
        var session = configuration
        let idle = max(Int((leadership.lease * 2 / 3).timeInterval * 1000), 100)
        session.options.additionalStartupParameters.append(("idle_session_timeout", "\(idle)"))
        // TCP's connect has its own timeout; the start-up and authentication after it have none but this one.
        let connection = try await PostgresDeadline.run(
            leadership.lease, expired: {}, late: { try? await $0.close() }
        ) { [logger, session] in
            try await PostgresConnection.connect(configuration: session, id: 2, logger: logger)
        }
        defer { Task { try? await connection.close() } }
        try await withDeadline(tick, on: connection) { [logger] in
            try await connection.query(
                "SELECT set_config('application_name', \("kiln leader election: " + leadership.host), false)",
                logger: logger)
        }
        connected()
        leadership.sessionStarted()
        var leading = false
        while !Task.isCancelled {
            if connection.isClosed {
                throw PostgresCatalogError.unreachable(
                    location: location.description, address: location.address,
                    detail: "the leader election's session was closed")
            }
            if leading {
                // The session answers, so the lock is still ours.
                try await withDeadline(tick, on: connection) {
                    for try await _ in try await connection.query("SELECT 1", logger: logger) {}
                }
                leadership.update(leadership.role)
            } else if try await withDeadline(tick, on: connection, { try await tryLock(connection) }) {
                let record = try await withDeadline(tick, on: connection) {
                    try await PostgresTransaction.run(on: connection, logger: logger) { c in
                        // A paused old leader's write may hold the row; its session ends by the idle timeouts.
                        try await c.query(
                            PostgresQuery(unsafeSQL: "SET LOCAL lock_timeout = \(Int(tick.timeInterval * 1000))"),
                            logger: logger)
                        return try await PostgresCatalog.takeLead(host: leadership.host, on: c, logger: logger)
                    }
                }
                leading = true
                leadership.update(.leader(record))
                logger.notice("leading the fleet as \(record.host) with epoch \(record.epoch)")
            } else {
                let current = try await withDeadline(tick, on: connection) {
                    try await PostgresCatalog.leaderRow(on: connection, lock: false, logger: logger)
                }
                if leadership.role != .follower(current), let current {
                    logger.info("following \(current.host) (epoch \(current.epoch))")
                }
                leadership.update(.follower(current))
            }
            try await Task.sleep(for: tick)
        }
    }

    func tryLock(_ connection: PostgresConnection) async throws -> Bool {
        for try await locked in try await connection.query(
            "SELECT pg_try_advisory_lock(\(PostgresLocks.leader))", logger: logger
        )
        .decode(Bool.self) {
            return locked
        }
        return false
    }

    /// The body's answer, or an error when it takes longer than `limit` (a server that stopped answering). On time
    /// out the connection is closed, which fails the body's statement: postgres-nio does not end a statement on task
    /// cancellation, and a statement on a session the server ended may otherwise never answer. The caller gets its
    /// answer on time even if the body still hangs (``PostgresDeadline``).
    func withDeadline<T: Sendable>(
        _ limit: Duration, on connection: PostgresConnection,
        _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        do {
            return try await PostgresDeadline.run(limit, expired: { try? await connection.close() }, body)
        } catch is PostgresDeadline.Expired {
            throw PostgresCatalogError.unreachable(
                location: location.description, address: location.address,
                detail: "no answer within \(limit)")
        }
    }
}
