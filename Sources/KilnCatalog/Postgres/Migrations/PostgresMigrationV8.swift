/// `hosts.yaml`'s `cordoned` list (issue 13), as SQLite's `issue-13: host.cordonedInGit`.
/// Released: never edit it; change the schema in a new migration, and give SQLite the same change.
enum PostgresMigrationV8 {
    static let migration = PostgresMigration(
        version: 8, name: "v8: host.cordonedInGit",
        statements: [
            #"ALTER TABLE host ADD COLUMN "cordonedInGit" BOOLEAN NOT NULL DEFAULT false"#
        ])
}
