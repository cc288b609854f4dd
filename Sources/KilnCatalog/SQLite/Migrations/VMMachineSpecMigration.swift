import GRDB

/// The spec a fleet host made a VM's machine from (issue 13): `vm.machineSpec`. In a fleet the leader writes a VM's new
/// spec before its host acts on it, so the host compares the immutable fields with this, not with `spec`. A plain ADD
/// COLUMN: the `vm` table's change triggers stay. PostgreSQL has the same change (`PostgresMigrationV7`).
/// Released: never edit it; change the schema in a new migration.
enum VMMachineSpecMigration {
    static let id = "issue-13: vm.machineSpec"

    static func migrate(_ db: Database) throws {
        try db.alter(table: "vm") { t in
            t.add(column: "machineSpec", .text)
        }
    }
}
