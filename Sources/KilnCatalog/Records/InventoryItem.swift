import Foundation
import GRDB

/// Something Kiln created on the host: a file, a folder or a process. Kiln only ever deletes or changes what this
/// inventory lists.
public struct InventoryItem: Sendable, Hashable, Codable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "inventory"

    public enum ItemType: String, Sendable, Hashable, Codable {
        case file, directory, process
    }

    public var id: Int64?
    public var type: ItemType
    /// The object that owns it (`ImageBuild/busybox`).
    public var owner: String
    /// A path, or for a process `pid:starttime`.
    public var location: String
    public var createdAt: Date

    public init(id: Int64? = nil, type: ItemType, owner: String, location: String, createdAt: Date) {
        self.id = id
        self.type = type
        self.owner = owner
        self.location = location
        self.createdAt = createdAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
