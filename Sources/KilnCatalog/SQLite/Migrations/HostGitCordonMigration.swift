import GRDB

/// `hosts.yaml`'s `cordoned` list (issue 13), kept apart from `kiln drain`'s `cordoned`, so that git and the operator
/// never undo each other: a host is cordoned while either says so. PostgreSQL has the same change
/// (`PostgresMigrationV8`). Released: never edit it; change the schema in a new migration.
enum HostGitCordonMigration {
    static let id = "issue-13: host.cordonedInGit"

    static func migrate(_ db: Database) throws {
        try db.alter(table: "host") { t in
            t.add(column: "cordonedInGit", .boolean).notNull().defaults(to: false)
        }
    }
}
