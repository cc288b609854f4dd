import GRDB

/// The fleet (issue 13): the leader row (who leads, since when, and the epoch that fences its writes) and the hosts
/// table (each host's capacity, labels and heartbeat; `cordoned` for a later drain). On SQLite one host leads alone,
/// but the schema is the same as PostgreSQL's (its migration v2), so the catalog answers the same way on both.
/// Released: never edit it; change the schema in a new migration.
enum FleetMigration {
    static let id = "issue-13: leader, host"

    static func migrate(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE leader (
                    id INTEGER PRIMARY KEY CHECK (id = 1), epoch INTEGER NOT NULL, host TEXT NOT NULL, since DATETIME NOT NULL);
                INSERT INTO leader (id, epoch, host, since) VALUES (1, 0, '', CURRENT_TIMESTAMP);
                CREATE TABLE host (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, address TEXT NOT NULL,
                    cpus INTEGER NOT NULL, memoryBytes INTEGER NOT NULL, diskFreeBytes INTEGER NOT NULL, kvm BOOLEAN NOT NULL,
                    labels TEXT NOT NULL, version TEXT NOT NULL, dataDir TEXT NOT NULL, cordoned BOOLEAN NOT NULL DEFAULT 0, leaseSeconds DOUBLE NOT NULL,
                    startedAt DATETIME NOT NULL, heartbeatAt DATETIME NOT NULL);
                """)
    }
}
