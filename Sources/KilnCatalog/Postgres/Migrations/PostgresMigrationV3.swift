/// A VM's own cloud-init user-data (issue 11), as SQLite's `issue-11: vm.userDataDigest`: the digest of the
/// `cloudInit.userData` file its seed was made from. (Version 2 is the fleet's leader and host tables, issue 13.)
/// Released: never edit it; change the schema in a new migration, and give SQLite the same change.
enum PostgresMigrationV3 {
    static let migration = PostgresMigration(
        version: 3, name: "v3: vm.userDataDigest",
        statements: [
            #"ALTER TABLE vm ADD COLUMN "userDataDigest" TEXT"#
        ])
}
