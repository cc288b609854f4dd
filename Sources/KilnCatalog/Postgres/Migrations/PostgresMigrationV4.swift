/// Where a VM's network card is plugged (issue 11), as SQLite's `issue-11: vm.bridge, vm.tapDevice, vm.macAddress`:
/// the bridge, tap device and MAC address of a `hostonly` or `bridged` VM, for its status.
/// Released: never edit it; change the schema in a new migration, and give SQLite the same change.
enum PostgresMigrationV4 {
    static let migration = PostgresMigration(
        version: 4, name: "v4: vm.bridge, vm.tapDevice, vm.macAddress",
        statements: [
            #"ALTER TABLE vm ADD COLUMN "bridge" TEXT"#,
            #"ALTER TABLE vm ADD COLUMN "tapDevice" TEXT"#,
            #"ALTER TABLE vm ADD COLUMN "macAddress" TEXT"#
        ])
}
