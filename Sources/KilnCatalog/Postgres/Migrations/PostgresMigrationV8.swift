/// `hosts.yaml`'s `cordoned` list (issue 13), as SQLite's `issue-13: host.cordonedInGit`. (v7 is issue 13's
/// `vm.machineSpec`, landed from another branch; versions apply in any order, each once.)
/// Released: never edit it; change the schema in a new migration, and give SQLite the same change.
enum PostgresMigrationV8 {
    static let migration = PostgresMigration(
        version: 8, name: "v8: host.cordonedInGit",
        statements: [
            #"ALTER TABLE host ADD COLUMN "cordonedInGit" BOOLEAN NOT NULL DEFAULT false"#
        ])
}
