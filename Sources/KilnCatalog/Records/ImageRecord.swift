import Foundation
import GRDB
import KilnSpec

/// An Image as Kiln last applied it (MWS and Deltacloud images).
public struct ImageRecord: Sendable, Hashable, Codable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "image"

    /// Deltacloud image states.
    public enum State: String, Sendable, Hashable, Codable {
        case queued = "QUEUED", active = "ACTIVE", failed = "FAILED"
    }

    public var id: Int64?
    public var name: String
    public var spec: SpecValue
    public var specHash: String
    public var contentHash: String
    public var state: State
    /// The MWS `version`: the catalog entry's revision counter, raised on every change of the entry.
    public var version: Int
    /// The virtual image behind it, for an image made by a build.
    public var virtualImageId: Int64?
    public var path: String?
    public var sha256: String?
    public var format: String?
    public var revision: String
    public var file: String
    public var line: Int
    public var labels: [String: String]
    public var createdAt: Date
    public var updatedAt: Date
    public var status: ObjectStatus

    public init(id: Int64? = nil, name: String, spec: SpecValue, specHash: String, contentHash: String,
                state: State = .queued, version: Int = 0, virtualImageId: Int64? = nil, path: String? = nil,
                sha256: String? = nil, format: String? = nil, revision: String, file: String, line: Int,
                labels: [String: String] = [:], createdAt: Date, updatedAt: Date, status: ObjectStatus = ObjectStatus()) {
        self.id = id
        self.name = name
        self.spec = spec
        self.specHash = specHash
        self.contentHash = contentHash
        self.state = state
        self.version = version
        self.virtualImageId = virtualImageId
        self.path = path
        self.sha256 = sha256
        self.format = format
        self.revision = revision
        self.file = file
        self.line = line
        self.labels = labels
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.status = status
    }

    public var typed: ImageSpec { ImageSpec(spec) }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
