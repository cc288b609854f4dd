import Synchronization

/// Desired state: every object of one commit (or folder), valid as a whole.
///
/// A snapshot exists only for a spec root without errors, so nothing downstream can mistake a file that failed to
/// parse for a deleted one.
public struct Snapshot: Sendable {
    public var revision: Revision?
    public var objects: [ObjectKey: SpecObject] { didSet { derived = SnapshotDerived() } }
    /// The digest of each file the specs reference (scripts, in-repository sources), by path under the spec root.
    public var fileDigests: [String: String] { didSet { derived = SnapshotDerived() } }
    /// What `hosts.yaml` says (nil: there is none).
    public var hosts: HostsFile?
    /// What is computed from the objects and files once per snapshot, not once per plan (shared by copies).
    private var derived = SnapshotDerived()

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
        if let sorted = derived.byKind.withLock({ $0[kind] }) { return sorted }
        let sorted = objects.values.filter { $0.key.kind == kind }.sorted { $0.name < $1.name }
        derived.byKind.withLock { $0[kind] = sorted }
        return sorted
    }

    /// Every object in dependency order (builds, images, VMs), then by name.
    public var sortedObjects: [SpecObject] {
        objects.values.sorted { $0.key < $1.key }
    }

    /// A hash of everything that decides what an execution of this build produces: the spec without the fields that
    /// do not (``ImageBuildSpec/nonBuildFields``) and the content of every file it reads.
    public func buildInputsHash(_ object: SpecObject) -> String {
        guard let build = object.imageBuild else { return object.specHash }
        // Remembered per object of this snapshot (a planner asks three times per build and pass, for every build).
        let mine = objects[object.key]?.specHash == object.specHash
        if mine, let hash = derived.inputs.withLock({ $0[object.key] }) { return hash }
        var files: [String: SpecValue] = [:]
        for path in build.referencedPaths { files[path] = .string(fileDigests[path] ?? "") }
        let hash = Digest.sha256Hex(
            SpecValue.object([
                "spec": object.spec.removing(ImageBuildSpec.nonBuildFields),
                "files": .object(files)
            ]).canonicalJSON)
        if mine { derived.inputs.withLock { $0[object.key] = hash } }
        return hash
    }
}

/// A snapshot's derived values, filled as they are first asked for. A class, so copies of a snapshot share what one
/// of them computed; a snapshot whose objects or files change starts a new one.
final class SnapshotDerived: Sendable {
    /// Each kind's objects sorted by name.
    let byKind = Mutex<[Kind: [SpecObject]]>([:])
    /// Each build's inputs hash (``Snapshot/buildInputsHash(_:)``).
    let inputs = Mutex<[ObjectKey: String]>([:])
}
