import GRDB
import KilnSpec

/// Tombstones keep the records they replaced as JSON. Build, image and VM records now group their spec-derived
/// fields in one `specFields` value, so a tombstone written before that (flat fields) is rewritten to the new layout,
/// or a revert within the prune grace could not restore it.
/// Released: never edit it; change the schema in a new migration.
enum TombstoneSpecFieldsMigration {
    static let id = "issue-11: tombstoned records keep their spec-derived fields in specFields"

    static let fields = ["spec", "specHash", "contentHash", "revision", "file", "line", "labels"]

    static func migrate(_ db: Database) throws {
        let rows = try Row.fetchAll(db, sql: "SELECT id, records FROM tombstone")
        for row in rows {
            let id: Int64 = row["id"]
            let text: String = row["records"]
            guard let contents = SpecValue(json: text), let rewritten = rewrite(contents), rewritten != contents else {
                continue
            }
            try db.execute(
                sql: "UPDATE tombstone SET records = ? WHERE id = ?", arguments: [rewritten.canonicalJSON, id])
        }
    }

    /// The tombstone's records with each flat record's spec-derived fields moved into `specFields`.
    static func rewrite(_ contents: SpecValue) -> SpecValue? {
        guard var top = contents.object else { return nil }
        for kind in ["build", "image", "vm"] {
            guard var record = top[kind]?.object, record["specFields"] == nil else { continue }
            var nested: [String: SpecValue] = [:]
            for field in fields {
                nested[field] = record[field]
                record[field] = nil
            }
            record["specFields"] = .object(nested)
            top[kind] = .object(record)
        }
        return .object(top)
    }
}
