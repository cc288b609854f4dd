import GRDB

/// Where a VM's network card is plugged (issue 11): `vm.bridge`, `vm.tapDevice` and `vm.macAddress` of a `hostonly` or
/// `bridged` VM, as its driver last saw them, for its status. A plain ADD COLUMN: the `vm` table's change triggers
/// stay. PostgreSQL has the same change (`PostgresMigrationV4`).
/// Released: never edit it; change the schema in a new migration.
enum VMNetworkMigration {
    static let id = "issue-11: vm.bridge, vm.tapDevice, vm.macAddress"

    static func migrate(_ db: Database) throws {
        try db.alter(table: "vm") { t in
            t.add(column: "bridge", .text)
            t.add(column: "tapDevice", .text)
            t.add(column: "macAddress", .text)
        }
    }
}
