import Foundation
import GRDB
import KilnSpec

/// An object deleted from git whose files wait in the tombstone area until the prune grace has passed, so that a
/// `git revert` inside that window brings the object back without a rebuild.
public struct TombstoneRecord: Sendable, Hashable, Codable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "tombstone"

    public var id: Int64?
    public var objectKind: String
    public var objectName: String
    /// The spec's content hash when it was deleted: a revert restores it only if the spec is the same.
    public var contentHash: String
    /// The records as they were (JSON), restored on revert.
    public var records: String
    /// Each moved path: where it was and where it waits.
    public var paths: [MovedPath]
    public var deletedAt: Date
    public var purgeAfter: Date

    public struct MovedPath: Sendable, Hashable, Codable {
        public var original: String
        public var tombstone: String
        public init(original: String, tombstone: String) {
            self.original = original
            self.tombstone = tombstone
        }
    }

    public init(
        id: Int64? = nil, objectKind: String, objectName: String, contentHash: String, records: String,
        paths: [MovedPath], deletedAt: Date, purgeAfter: Date
    ) {
        self.id = id
        self.objectKind = objectKind
        self.objectName = objectName
        self.contentHash = contentHash
        self.records = records
        self.paths = paths
        self.deletedAt = deletedAt
        self.purgeAfter = purgeAfter
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
