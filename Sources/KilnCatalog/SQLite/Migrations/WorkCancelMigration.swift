import GRDB

/// Build work (issue 13): the leader asks the host running a claimed row to cancel it (``WorkRecord/cancelRequested``),
/// which the holder reads at its next renewal. PostgreSQL has the same change (`PostgresMigrationV9`).
/// Released: never edit it; change the schema in a new migration.
enum WorkCancelMigration {
    static let id = "issue-13: work.cancelRequested"

    static func migrate(_ db: Database) throws {
        try db.alter(table: "work") { t in
            t.add(column: "cancelRequested", .boolean).notNull().defaults(to: false)
        }
    }
}
