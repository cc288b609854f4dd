import Logging
import PostgresNIO

/// A transaction on one connection: `BEGIN`, the body, `COMMIT`; `ROLLBACK` and the body's own error when it throws
/// (postgres-nio's `withTransaction` wraps errors, and the catalog's typed errors must reach the caller as they are).
enum PostgresTransaction {
    enum Mode: String {
        case write = "BEGIN"
        /// One snapshot for every statement: a read of several tables sees one moment.
        case snapshot = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
        /// No `BEGIN`: the body sends one statement, which is a transaction of its own (one round trip, not three).
        case single = ""
    }

    static func run<T>(
        on connection: PostgresConnection, mode: Mode = .write, logger: Logger,
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        if mode == .single { return try await body(connection) }
        try await connection.query(PostgresQuery(unsafeSQL: mode.rawValue), logger: logger)
        let value: T
        do {
            value = try await body(connection)
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
        try await connection.query("COMMIT", logger: logger)
        return value
    }

    /// Whether an error means "run the whole transaction again": a deadlock between writers (two transactions that
    /// took the same counters in opposite orders) or a serialization failure. PostgreSQL rolled it back whole.
    static func isRetryable(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError, let state = error.serverInfo?[.sqlState] else { return false }
        return state == "40P01" || state == "40001"
    }
}
