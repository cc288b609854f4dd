import GRDB

/// Image sources (issue 11): what an imported or snapshotted image's file came from, so that a new URL, checksum or
/// snapshot token makes a new import.
/// Released: never edit it; change the schema in a new migration.
enum ImageSourcesMigration {
    static let id = "issue-11: image.importedFrom"

    static func migrate(_ db: Database) throws {
        try db.alter(table: "image") { t in
            t.add(column: "importedFrom", .text)
        }
    }
}
