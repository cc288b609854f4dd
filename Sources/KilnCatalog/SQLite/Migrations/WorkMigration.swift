import GRDB

/// Work claimed by hosts (issue 13), as PostgreSQL's migration v5: the same table and partial indexes, so a single
/// host answers the work calls as a fleet does (it is the only host that claims).
/// Released: never edit it; change the schema in a new migration.
enum WorkMigration {
    static let id = "issue-13: work"

    static func migrate(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE work (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    kind TEXT NOT NULL, objectKind TEXT NOT NULL, objectName TEXT NOT NULL, workKey TEXT NOT NULL,
                    detail TEXT NOT NULL, labels TEXT NOT NULL, cpus INTEGER NOT NULL, memoryBytes INTEGER NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('queued', 'claimed', 'done', 'failed')),
                    holder TEXT, leaseExpiresAt DATETIME, attempt INTEGER NOT NULL, result TEXT, epoch INTEGER NOT NULL,
                    createdAt DATETIME NOT NULL, claimedAt DATETIME, finishedAt DATETIME);
                CREATE UNIQUE INDEX work_open_key ON work (workKey) WHERE state IN ('queued', 'claimed');
                CREATE INDEX work_open ON work (id) WHERE state IN ('queued', 'claimed');
                """)
    }
}
