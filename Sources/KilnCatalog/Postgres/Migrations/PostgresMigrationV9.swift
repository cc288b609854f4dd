/// The leader's request to cancel claimed work (issue 13), as SQLite's `issue-13: work.cancelRequested`.
/// Released: never edit it; change the schema in a new migration, and give SQLite the same change.
enum PostgresMigrationV9 {
    static let migration = PostgresMigration(
        version: 9, name: "v9: work.cancelRequested",
        statements: [
            #"ALTER TABLE work ADD COLUMN "cancelRequested" BOOLEAN NOT NULL DEFAULT false"#
        ])
}
