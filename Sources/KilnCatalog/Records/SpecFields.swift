import Foundation
import KilnSpec

/// What a build, image or VM record takes from its spec in git: the one shared set of spec-derived fields, with the
/// one method that copies them from a spec object. In the catalog they are columns of the record's own row.
public struct SpecFields: Sendable, Hashable, InlineColumns {
    public var spec: SpecValue
    public var specHash: String
    public var contentHash: String
    /// The commit whose spec this is.
    public var revision: String
    public var file: String
    public var line: Int
    public var labels: [String: String]

    public init(
        spec: SpecValue, specHash: String, contentHash: String, revision: String, file: String, line: Int,
        labels: [String: String] = [:]
    ) {
        self.spec = spec
        self.specHash = specHash
        self.contentHash = contentHash
        self.revision = revision
        self.file = file
        self.line = line
        self.labels = labels
    }

    /// The fields of `object` as committed in `revision`.
    public init(_ object: SpecObject, revision: String) {
        self.init(
            spec: object.spec, specHash: object.specHash, contentHash: object.contentHash, revision: revision,
            file: object.file, line: object.line, labels: object.metadata.labels)
    }
}

/// A record of an object named in git whose spec-derived fields are one ``SpecFields``. The fields read as the
/// record's own (`record.spec`, `record.file` …), as they always have.
public protocol SpecDerivedRecord {
    var specFields: SpecFields { get set }
}

extension SpecDerivedRecord {
    public var spec: SpecValue {
        get { specFields.spec }
        set { specFields.spec = newValue }
    }
    public var specHash: String {
        get { specFields.specHash }
        set { specFields.specHash = newValue }
    }
    public var contentHash: String {
        get { specFields.contentHash }
        set { specFields.contentHash = newValue }
    }
    public var revision: String {
        get { specFields.revision }
        set { specFields.revision = newValue }
    }
    public var file: String {
        get { specFields.file }
        set { specFields.file = newValue }
    }
    public var line: Int {
        get { specFields.line }
        set { specFields.line = newValue }
    }
    public var labels: [String: String] {
        get { specFields.labels }
        set { specFields.labels = newValue }
    }

    /// Takes the spec-derived fields of `object` as committed in `revision`: the one place a record copies a spec.
    public mutating func update(from object: SpecObject, revision: String) {
        specFields = SpecFields(object, revision: revision)
    }
}
