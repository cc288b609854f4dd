import Foundation
import KilnSpec
import Logging
import PostgresNIO
import Synchronization

/// The fleet's catalog: one PostgreSQL database that several Kiln hosts share. It keeps the ``Catalog`` protocol's
/// guarantees as ``SQLiteCatalog`` does, in PostgreSQL's terms: every method is one transaction; build numbers come
/// from the build's row under `FOR UPDATE` (never a sequence, which skips on rollback); per-table change counters are
/// kept by triggers, which also `NOTIFY kiln_changes`. Records are read and written through their one `Codable`
/// declaration, as in SQLite; only the SQL dialect and the locking differ.
///
/// Opening checks the connection and migrates the schema on a connection of its own, so a wrong password, an
/// unreachable server or a newer schema is an error at once; the catalog's work then goes through a small pool.
public final class PostgresCatalog: Catalog {
    public let location: PostgresLocation
    let client: PostgresClient
    let connection: PostgresConnection.Configuration
    let runner: PoolRunner
    let logger: Logger
    /// How long one transaction may take (see ``defaultTransactionLimit``).
    let transactionLimit: Duration
    /// Set on the leader's view (``fenced(by:)``): its writes carry this leadership's epoch.
    let fence: Leadership?

    /// Runs the pool while any view of this catalog is alive (a fenced view shares its pool).
    final class PoolRunner: Sendable {
        let task: Task<Void, Never>
        init(_ client: PostgresClient) { task = Task.detached { await client.run() } }
        deinit { task.cancel() }
    }

    init(
        location: PostgresLocation, client: PostgresClient, connection: PostgresConnection.Configuration,
        logger: Logger, transactionLimit: Duration = defaultTransactionLimit,
        runner: PoolRunner? = nil, fence: Leadership? = nil
    ) {
        self.location = location
        self.client = client
        self.connection = connection
        self.logger = logger
        self.transactionLimit = transactionLimit
        self.runner = runner ?? PoolRunner(client)
        self.fence = fence
    }

    /// Connects, migrates the schema if needed, and returns the catalog. `transactionLimit` bounds each transaction
    /// (see ``defaultTransactionLimit``), and half of it each new connection: a connection is part of a transaction's
    /// time, so the tests' longer limit gives a slow (loaded) server's connections as much room as its statements.
    public static func open(
        _ location: PostgresLocation, password: String?,
        logger: Logger = Logger(label: "kiln.catalog"), transactionLimit: Duration = defaultTransactionLimit
    ) async throws -> PostgresCatalog {
        let tls = try PostgresTLS(location)
        var single = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.user,
            password: password, database: location.database, tls: try tls.connection())
        let connectTimeout = transactionLimit / 2
        single.options.connectTimeout = .init(connectTimeout)
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: single, id: 0, logger: logger)
        } catch {
            throw PostgresCatalogError.connecting(error, to: location)
        }
        do {
            try await PostgresMigrations.migrate(connection, location: location, logger: logger)
        } catch {
            try? await connection.close()
            throw PostgresCatalogError.statement(error, at: location)
        }
        try? await connection.close()
        var pooled = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.user,
            password: password, database: location.database, tls: tls.client())
        pooled.options.maximumConnections = 8
        // A transaction left open by a process that stopped (SIGSTOP, a hung host) would hold its row locks, the
        // leader row's among them, for ever: the server ends such a session after a while.
        pooled.options.additionalStartupParameters = [("idle_in_transaction_session_timeout", "60s")]
        pooled.options.connectTimeout = connectTimeout
        // The pool's own logger: postgres-nio warns when the first lease comes before `run()` (started just below, in
        // a task) is under way, which is harmless here; real failures reach the caller as errors.
        var poolLogger = logger
        poolLogger.logLevel = max(logger.logLevel, .error)
        return PostgresCatalog(
            location: location, client: PostgresClient(configuration: pooled, backgroundLogger: poolLogger),
            connection: single, logger: logger, transactionLimit: transactionLimit)
    }

    /// Stops the pool and closes its connections.
    ///
    /// postgres-nio's `run()` has been seen not to return after its cancellation, with every connection already closed
    /// on the server (a CI run's test hung here for good): so `close` waits for it only up to ``closeLimit``, then
    /// logs and returns, leaving what is left of the pool to the process's end.
    public func close() async {
        runner.task.cancel()
        let runner = runner
        do {
            try await PostgresDeadline.run(Self.closeLimit, expired: {}) { await runner.task.value }
        } catch {
            logger.warning(
                "the connection pool to \(location) did not stop within \(Self.closeLimit) of being asked to; leaving it"
            )
        }
    }

    /// How long ``close()`` waits for the pool to stop.
    static let closeLimit: Duration = .seconds(30)

    // MARK: Transactions

    /// How long one transaction may take, waiting for a pooled connection included, before it fails as unreachable
    /// (its connection closed): a server that stopped answering must not hold a caller, or the API's read model and
    /// the reconcile loop, for ever (see ``PostgresDeadline``). Tests that share a busy machine's test runner with
    /// hundreds of others open their catalogs with a longer limit, so that it only catches a real hang.
    public static let defaultTransactionLimit: Duration = .seconds(20)

    /// One read-write transaction on a pooled connection. A deadlock or serialization failure (PostgreSQL rolled the
    /// transaction back whole) runs the body again; other errors come back with the server's message.
    func write<T: Sendable>(
        limit: Duration? = nil,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await transaction(.write, limit: limit ?? transactionLimit, body)
    }

    /// One read-only transaction with a single snapshot.
    func read<T: Sendable>(
        limit: Duration? = nil,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await transaction(.snapshot, limit: limit ?? transactionLimit, body)
    }

    /// One read-write transaction that no leader epoch fences, on a fenced view too: what any host does to the work
    /// it claimed (its claim fences it instead), whoever leads.
    func unfencedWrite<T: Sendable>(
        limit: Duration? = nil,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await transaction(.write, limit: limit ?? transactionLimit, fencing: false, body)
    }

    /// One statement, its own transaction (no `BEGIN`/`COMMIT` round trips), fenced by no leader epoch.
    func unfencedStatement<T: Sendable>(
        limit: Duration? = nil,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await transaction(.single, limit: limit ?? transactionLimit, fencing: false, body)
    }

    func transaction<T: Sendable>(
        _ mode: PostgresTransaction.Mode, limit: Duration, fencing: Bool = true,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        var attempt = 0
        while true {
            do {
                let leased = LeasedConnection()
                return try await PostgresDeadline.run(limit, expired: { await leased.close() }) {
                    [client, fence, logger] in
                    try await client.withConnection { connection in
                        leased.set(connection)
                        defer { leased.set(nil) }
                        return try await PostgresTransaction.run(on: connection, mode: mode, logger: logger) {
                            connection in
                            if mode == .write, fencing, let fence {
                                try await Self.checkFence(fence, on: connection, logger: logger)
                            }
                            return try await body(connection)
                        }
                    }
                }
            } catch  where PostgresTransaction.isRetryable(error) && attempt < 10 {
                attempt += 1
                logger.debug("catalog transaction retried after \(error)")
            } catch let expired as PostgresDeadline.Expired {
                throw PostgresCatalogError.unreachable(
                    location: location.description, address: location.address,
                    detail: "a catalog transaction got \(expired) (connection closed)")
            } catch {
                throw PostgresCatalogError.statement(error, at: location)
            }
        }
    }

    /// The pooled connection a transaction holds, for its deadline to close.
    final class LeasedConnection: Sendable {
        private let connection = Mutex<PostgresConnection?>(nil)
        func set(_ value: PostgresConnection?) { connection.withLock { $0 = value } }
        func close() async {
            guard let open = connection.withLock({ $0 }) else { return }
            try? await open.close()
        }
    }

    // MARK: Rows

    /// The records a query returns, decoded through their `Codable` declaration.
    static func records<R: Decodable>(
        _ type: R.Type, _ query: PostgresQuery, on connection: PostgresConnection,
        logger: Logger
    ) async throws -> [R] {
        var records: [R] = []
        for try await row in try await connection.query(query, logger: logger) {
            records.append(try R(from: CatalogRecordDecoder(row: PostgresCatalogRow(row))))
        }
        return records
    }

    /// The first column of the first row, nil when there is no row or it is NULL.
    static func scalar<T: PostgresDecodable>(
        _ type: T.Type, _ query: PostgresQuery, on connection: PostgresConnection,
        logger: Logger
    ) async throws -> T? {
        for try await row in try await connection.query(query, logger: logger) {
            guard let cell = row.first, cell.bytes != nil else { return nil }
            return try cell.decode(T.self, context: .default)
        }
        return nil
    }

    /// Updates the row with the record's id, or inserts the record (with its id, or numbered by the table when it has
    /// none): what GRDB's `save` does. Returns the id.
    static func save<R: Encodable>(
        _ record: R, table: String, id: Int64?, on connection: PostgresConnection,
        logger: Logger
    ) async throws -> Int64 {
        if let id,
            try await scalar(
                Int64.self, try PostgresStatements.update(record, in: table, id: id), on: connection,
                logger: logger) != nil
        {
            return id
        }
        return try await insert(record, into: table, on: connection, logger: logger)!
    }

    /// Inserts the record; nil when `onConflict` skipped it.
    @discardableResult
    static func insert<R: Encodable>(
        _ record: R, into table: String, onConflict: String = "", on connection: PostgresConnection,
        logger: Logger
    ) async throws -> Int64? {
        try await scalar(
            Int64.self, try PostgresStatements.insert(record, into: table, onConflict: onConflict),
            on: connection, logger: logger)
    }

    /// Inserts or updates a record by its name, keeping the id of the row it replaces.
    static func upsert<R: NamedRecord & Encodable>(
        _ record: R, on connection: PostgresConnection, logger: Logger
    ) async throws -> R {
        var record = record
        let table = R.databaseTableName
        if record.id == nil {
            record.id = try await scalar(
                Int64.self,
                PostgresQuery(
                    unsafeSQL: "SELECT id FROM \(table) WHERE name = $1",
                    binds: bindings(record.name)), on: connection, logger: logger)
        }
        record.id = try await save(record, table: table, id: record.id, on: connection, logger: logger)
        return record
    }

    static func bindings(_ values: any PostgresDynamicTypeEncodable...) -> PostgresBindings {
        var bindings = PostgresBindings(capacity: values.count)
        for value in values { bindings.append(value) }
        return bindings
    }
}
