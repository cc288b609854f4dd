import GRDB

/// The fleet host a VM is placed on (issue 13): `vm.host` and why (`vm.placementReason`), for its status and for each
/// host to know its VMs. Plain ADD COLUMNs: the `vm` table's change triggers stay. PostgreSQL has the same change (`PostgresMigrationV6`).
/// Released: never edit it; change the schema in a new migration.
enum VMHostMigration {
    static let id = "issue-13: vm.host, vm.placementReason"

    static func migrate(_ db: Database) throws {
        try db.alter(table: "vm") { t in
            t.add(column: "host", .text)
            t.add(column: "placementReason", .text)
        }
    }
}
