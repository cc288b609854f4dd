/// The spec a fleet host made a VM's machine from (issue 13), as SQLite's `issue-13: vm.machineSpec`.
/// Released: never edit it; change the schema in a new migration, and give SQLite the same change.
enum PostgresMigrationV7 {
    static let migration = PostgresMigration(
        version: 7, name: "v7: vm.machineSpec",
        statements: [
            #"ALTER TABLE vm ADD COLUMN "machineSpec" TEXT"#
        ])
}
