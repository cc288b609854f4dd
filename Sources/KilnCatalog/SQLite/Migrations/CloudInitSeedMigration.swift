import GRDB

/// cloud-init seeds (issue 11): whether a VM gets a NoCloud seed (its image was built with `isCloudInit: true`).
/// A plain ADD COLUMN: the `vm` table's change triggers stay.
/// Released: never edit it; change the schema in a new migration.
enum CloudInitSeedMigration {
    static let id = "issue-11: vm.cloudInit"

    static func migrate(_ db: Database) throws {
        try db.alter(table: "vm") { t in
            t.add(column: "cloudInit", .boolean).notNull().defaults(to: false)
        }
    }
}
