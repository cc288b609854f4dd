import Foundation
import GRDB
import KilnSpec

/// An Image as Kiln last applied it (MWS and Deltacloud images).
public struct ImageRecord: Sendable, Hashable, CatalogRecord, MutablePersistableRecord, SpecDerivedRecord {
    public static let databaseTableName = "image"

    /// Deltacloud image states.
    public enum State: String, Sendable, Hashable, Codable {
        case queued = "QUEUED"
        case active = "ACTIVE"
        case failed = "FAILED"
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
    /// For an image Kiln imported (`source.url`) or snapshotted (`source.snapshotOf`): what its file came from
    /// (``ImageRecord/importKey(for:)``). A different key means a new import.
    public var importedFrom: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var status: ObjectStatus

    public init(
        id: Int64? = nil, name: String, spec: SpecValue, specHash: String, contentHash: String,
        state: State = .queued, version: Int = 0, virtualImageId: Int64? = nil, path: String? = nil,
        sha256: String? = nil, format: String? = nil, boot: DiskBoot? = nil, importedFrom: String? = nil,
        revision: String, file: String, line: Int,
        labels: [String: String] = [:], createdAt: Date, updatedAt: Date, status: ObjectStatus = ObjectStatus()
    ) {
        self.id = id
        self.name = name
        specFields = SpecFields(
            spec: spec, specHash: specHash, contentHash: contentHash, revision: revision, file: file,
            line: line, labels: labels)
        self.state = state
        self.version = version
        self.virtualImageId = virtualImageId
        self.path = path
        self.sha256 = sha256
        self.format = format
        self.boot = boot
        self.importedFrom = importedFrom
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.status = status
    }

    public var typed: ImageSpec { ImageSpec(spec) }

    /// What an imported image's file must come from for `spec`: its URL and checksum, or the VM and token of its
    /// snapshot; nil for other sources.
    public static func importKey(for spec: ImageSpec) -> String? {
        switch spec.source {
        case .url(let url, let sum)?: "url:\(url)#\(sum.description)"
        case .snapshotOf(let vm)?: "snapshot:\(vm):\(spec.snapshotToken ?? "")"
        default: nil
        }
    }

    /// The stand-in image of a VM that names `{url, checksum}` (the VM builder service's shape): its disk is imported
    /// into the VM's own folder when the VM is made.
    public static func external(url: String, checksum: Checksum) -> ImageRecord {
        let epoch = Date(timeIntervalSince1970: 0)
        return ImageRecord(
            name: url,
            spec: .object(["source": .object(["url": .string(url), "checksum": .string(checksum.description)])]),
            specHash: "", contentHash: "", state: .active, sha256: checksum.hex, revision: "", file: "", line: 0,
            createdAt: epoch, updatedAt: epoch)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
