import Foundation
import Logging
import PostgresNIO

/// One step of the PostgreSQL schema: statements run in order, in the migration transaction.
struct PostgresMigration: Sendable {
    var version: Int
    var name: String
    var statements: [String]
}

/// The PostgreSQL schema, as versioned migrations, oldest first; each in its own file under `Migrations/`, never edited
/// once released. They run in one transaction under an advisory lock, so replicas starting together migrate once;
/// a schema newer than this binary's is refused, never touched.
enum PostgresMigrations {
    static let all: [PostgresMigration] = [
        PostgresMigrationV1.migration,
        PostgresMigrationV2.migration,
        PostgresMigrationV3.migration,
        PostgresMigrationV4.migration,
        PostgresMigrationV5.migration,
        PostgresMigrationV6.migration,
        PostgresMigrationV7.migration,
        PostgresMigrationV8.migration,
        PostgresMigrationV9.migration,
        PostgresMigrationV10.migration
    ]

    /// The version this binary's schema has.
    static var latest: Int { all.last?.version ?? 0 }

    /// Brings the database's schema up to date; returns the versions it applied.
    @discardableResult
    static func migrate(
        _ connection: PostgresConnection, location: PostgresLocation, logger: Logger,
        migrations: [PostgresMigration] = all
    ) async throws -> [Int] {
        try await PostgresTransaction.run(on: connection, logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(PostgresLocks.schema))", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS kiln_schema (
                    version INTEGER PRIMARY KEY, name TEXT NOT NULL, "appliedAt" TIMESTAMPTZ NOT NULL DEFAULT now())
                """, logger: logger)
            var applied: [(Int, String)] = []
            for try await (version, name) in try await connection.query(
                "SELECT version, name FROM kiln_schema ORDER BY version", logger: logger
            ).decode((Int, String).self) {
                applied.append((version, name))
            }
            let known = migrations.last?.version ?? 0
            if let newest = applied.last, newest.0 > known {
                throw PostgresCatalogError.newerSchema(
                    location: location.description, version: newest.0, name: newest.1,
                    known: known)
            }
            for (version, name) in applied {
                guard let mine = migrations.first(where: { $0.version == version }), mine.name == name else {
                    throw PostgresCatalogError.foreignSchema(
                        location: location.description, version: version, name: name)
                }
            }
            let pending = migrations.filter { m in !applied.contains { $0.0 == m.version } }
            for migration in pending {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO kiln_schema (version, name) VALUES (\(migration.version), \(migration.name))",
                    logger: logger)
                logger.info("catalog \(location): schema migrated to \(migration.version) (\(migration.name))")
            }
            return pending.map(\.version)
        }
    }
}

/// The advisory lock keys Kiln takes on a PostgreSQL catalog, in one place so they never collide.
enum PostgresLocks {
    /// Held (per transaction) while the schema migrates. "kiln" in ASCII, then 1.
    static let schema: Int64 = 0x6B69_6C6E_0000_0001
    /// Held by the fleet's leader, on a session of its own (``PostgresLeaderElection``), for as long as it leads.
    static let leader: Int64 = 0x6B69_6C6E_0000_0002
}
