import Foundation
import GRDB
import KilnSpec

/// An ImageBuild as Kiln last applied it (Morpheus image build).
public struct BuildRecord: Sendable, Hashable, CatalogRecord, MutablePersistableRecord, SpecDerivedRecord {
    public static let databaseTableName = "image_build"

    /// A stable numeric id for APIs that want one (Morpheus ids are numbers).
    public var id: Int64?
    public var name: String
    /// The spec, its hashes, its commit, file and line, and its labels (`spec`, `specHash` … read as this record's).
    public var specFields: SpecFields
    /// What decides an execution's outputs (spec without run/suspend/keepResults…, plus script contents).
    public var inputsHash: String
    public var runToken: String?
    /// The next execution's build number: numbers are never reused, even after pruning.
    public var nextBuildNumber: Int
    public var createdAt: Date
    public var updatedAt: Date
    public var status: ObjectStatus

    public init(
        id: Int64? = nil, name: String, spec: SpecValue, specHash: String, contentHash: String, inputsHash: String,
        runToken: String?, revision: String, file: String, line: Int, labels: [String: String] = [:],
        nextBuildNumber: Int = 1, createdAt: Date, updatedAt: Date, status: ObjectStatus = ObjectStatus()
    ) {
        self.id = id
        self.name = name
        specFields = SpecFields(
            spec: spec, specHash: specHash, contentHash: contentHash, revision: revision, file: file,
            line: line, labels: labels)
        self.inputsHash = inputsHash
        self.runToken = runToken
        self.nextBuildNumber = nextBuildNumber
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.status = status
    }

    public var typed: ImageBuildSpec { ImageBuildSpec(spec) }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
