/// The fleet host a VM is placed on and why (issue 13), as SQLite's `issue-13: vm.host, vm.placementReason`.
/// Released: never edit it; change the schema in a new migration, and give SQLite the same change.
enum PostgresMigrationV6 {
    static let migration = PostgresMigration(
        version: 6, name: "v6: vm.host, vm.placementReason",
        statements: [
            #"ALTER TABLE vm ADD COLUMN "host" TEXT"#,
            #"ALTER TABLE vm ADD COLUMN "placementReason" TEXT"#
        ])
}
