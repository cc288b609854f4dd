import GRDB

/// A VM's own cloud-init user-data (issue 11): `vm.userDataDigest`, the git blob id of the `cloudInit.userData` file
/// its seed was made from, so that a new version of the file recreates the VM (and the plan says so). A plain ADD
/// COLUMN: the `vm` table's change triggers stay. PostgreSQL has the same change (`PostgresMigrationV3`).
/// Released: never edit it; change the schema in a new migration.
enum VMUserDataMigration {
    static let id = "issue-11: vm.userDataDigest"

    static func migrate(_ db: Database) throws {
        try db.alter(table: "vm") { t in
            t.add(column: "userDataDigest", .text)
        }
    }
}
