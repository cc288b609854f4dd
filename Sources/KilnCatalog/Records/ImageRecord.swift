import Foundation
import GRDB
import KilnSpec

/// An Image as Kiln last applied it (MWS and Deltacloud images).
public struct ImageRecord: Sendable, Hashable, CatalogRecord, MutablePersistableRecord, SpecDerivedRecord {
    public static let databaseTableName = "image"

    /// Deltacloud image states.
    public enum State: String, Sendable, Hashable, Codable {
        case queued = "QUEUED", active = "ACTIVE", failed = "FAILED"
    }

    public var id: Int64?
    public var name: String
    /// The spec, its hashes, its commit, file and line, and its labels (`spec`, `specHash` … read as this record's).
    public var specFields: SpecFields
    public var state: State
    /// The MWS `version`: the catalog entry's revision counter, raised on every change of the entry.
    public var version: Int
    /// The virtual image behind it, for an image made by a build.
    public var virtualImageId: Int64?
    public var path: String?
    public var sha256: String?
    public var format: String?
    /// How its disk boots: from the build's virtual image, or read from the disk's first sectors for an imported one.
    public var boot: DiskBoot?
    public var createdAt: Date
    public var updatedAt: Date
    public var status: ObjectStatus

    public init(id: Int64? = nil, name: String, spec: SpecValue, specHash: String, contentHash: String,
                state: State = .queued, version: Int = 0, virtualImageId: Int64? = nil, path: String? = nil,
                sha256: String? = nil, format: String? = nil, boot: DiskBoot? = nil, revision: String, file: String, line: Int,
                labels: [String: String] = [:], createdAt: Date, updatedAt: Date, status: ObjectStatus = ObjectStatus()) {
        self.id = id
        self.name = name
        specFields = SpecFields(spec: spec, specHash: specHash, contentHash: contentHash, revision: revision, file: file,
                                line: line, labels: labels)
        self.state = state
        self.version = version
        self.virtualImageId = virtualImageId
        self.path = path
        self.sha256 = sha256
        self.format = format
        self.boot = boot
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.status = status
    }

    public var typed: ImageSpec { ImageSpec(spec) }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
