import Foundation
import GRDB
import KilnSpec

/// One disk image an execution produced, in one format (a Morpheus virtual image).
public struct VirtualImageRecord: Sendable, Hashable, CatalogRecord, MutablePersistableRecord {
    public static let databaseTableName = "virtual_image"

    public var id: Int64?
    public var executionId: Int64
    public var buildName: String
    public var buildNumber: Int
    /// `<buildOutputName>-<buildNumber>`.
    public var name: String
    public var format: String
    public var path: String
    public var size: Int64
    public var sha256: String
    /// How the disk boots: `none` (a bare filesystem: only with a kernel given to qemu), `uefi`, `bios` or `hybrid`.
    public var boot: DiskBoot
    public var createdAt: Date

    public init(
        id: Int64? = nil, executionId: Int64, buildName: String, buildNumber: Int, name: String, format: String,
        path: String, size: Int64, sha256: String, boot: DiskBoot = .none, createdAt: Date
    ) {
        self.boot = boot
        self.id = id
        self.executionId = executionId
        self.buildName = buildName
        self.buildNumber = buildNumber
        self.name = name
        self.format = format
        self.path = path
        self.size = size
        self.sha256 = sha256
        self.createdAt = createdAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
