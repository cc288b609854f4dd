/// Desired state: every object of one commit (or folder), valid as a whole.
///
/// A snapshot exists only for a spec root without errors, so nothing downstream can mistake a file that failed to
/// parse for a deleted one.
public struct Snapshot: Sendable {
    public var revision: Revision?
    public var objects: [ObjectKey: SpecObject]
    /// The digest of each file the specs reference (scripts, in-repository sources), by path under the spec root.
    public var fileDigests: [String: String]

    public init(revision: Revision?, objects: [ObjectKey: SpecObject], fileDigests: [String: String]) {
        self.revision = revision
        self.objects = objects
        self.fileDigests = fileDigests
    }

    public static let empty = Snapshot(revision: nil, objects: [:], fileDigests: [:])

    public subscript(key: ObjectKey) -> SpecObject? { objects[key] }

    public func object(_ kind: Kind, _ name: String) -> SpecObject? { objects[ObjectKey(kind, name)] }

    /// Objects of one kind, sorted by name.
    public func objects(of kind: Kind) -> [SpecObject] {
        objects.values.filter { $0.key.kind == kind }.sorted { $0.name < $1.name }
    }

    /// Every object in dependency order (builds, images, VMs), then by name.
    public var sortedObjects: [SpecObject] {
        objects.values.sorted { $0.key < $1.key }
    }

    /// A hash of everything that decides what an execution of this build produces: the spec without the fields that
    /// do not (``ImageBuildSpec/nonBuildFields``) and the content of every file it reads.
    public func buildInputsHash(_ object: SpecObject) -> String {
        guard let build = object.imageBuild else { return object.specHash }
        var files: [String: SpecValue] = [:]
        for path in build.referencedPaths { files[path] = .string(fileDigests[path] ?? "") }
        return Digest.sha256Hex(SpecValue.object([
            "spec": object.spec.removing(ImageBuildSpec.nonBuildFields),
            "files": .object(files),
        ]).canonicalJSON)
    }
}
