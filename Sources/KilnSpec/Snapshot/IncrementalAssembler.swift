/// ``SnapshotAssembler`` for a source that sees one change at a time (a new commit of a git repository): it keeps the
/// objects of every file between calls, so a change costs what it touches rather than what the repository holds.
///
/// While every file is valid and no name is declared twice, a new snapshot shares the object table with the last
/// one and only the checks across objects run again (lookups, no copies). Otherwise it falls back to the full
/// assembler, which names every error.
public struct IncrementalAssembler: Sendable {
    private var files: [String: ParsedFile] = [:]
    private var objects: [ObjectKey: SpecObject] = [:]
    private var declarations: [ObjectKey: Int] = [:]
    private var duplicated = 0
    private var broken = 0
    /// The keys of files that are hosts files (more than one is an error the full assembler names).
    private var hostsFiles: Set<String> = []

    public init() {}

    /// Replaces what the file at `key` (any stable key, such as its path) contributes; nil removes the file.
    public mutating func replace(_ key: String, with file: ParsedFile?) {
        hostsFiles.remove(key)
        if let old = files.removeValue(forKey: key) {
            if !old.errors.isEmpty { broken -= 1 }
            for declared in old.declared {
                let count = declarations[declared.key, default: 0] - 1
                if count == 1 { duplicated -= 1 }
                declarations[declared.key] = count == 0 ? nil : count
            }
            for object in old.objects
            where objects[object.key]?.file == old.path && objects[object.key]?.line == object.line {
                objects[object.key] = nil
            }
        }
        guard let file else { return }
        files[key] = file
        if !file.errors.isEmpty { broken += 1 }
        if file.hosts != nil { hostsFiles.insert(key) }
        for declared in file.declared {
            let count = declarations[declared.key, default: 0] + 1
            if count == 2 { duplicated += 1 }
            declarations[declared.key] = count
        }
        for object in file.objects { objects[object.key] = object }
    }

    /// The snapshot of the files as they are now, or every error.
    public func assemble(tree: any TreeLookup, revision: Revision?) -> Result<Snapshot, SnapshotAssembler.Failure> {
        guard broken == 0, duplicated == 0, hostsFiles.count <= 1 else {
            return SnapshotAssembler.assemble(files: Array(files.values), tree: tree, revision: revision)
        }
        let hosts = hostsFiles.first.flatMap { files[$0]?.hosts }
        return SnapshotAssembler.check(
            objects, exists: { objects[$0] != nil }, quiet: false, tree: tree,
            revision: revision, errors: []
        ).map { snapshot in
            var snapshot = snapshot
            snapshot.hosts = hosts
            return snapshot
        }
    }
}
