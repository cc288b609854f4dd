/// Joins parsed files into a ``Snapshot`` and checks what no single file can: unique names, references between
/// objects, and the files that specs name. Pure: the tree is only looked up, never read.
public enum SnapshotAssembler {
    /// A spec root that cannot be applied, with every reason.
    public struct Failure: Error, Sendable {
        public var errors: [SpecError]
        public init(errors: [SpecError]) { self.errors = errors }
    }

    public static func assemble(
        files: [ParsedFile], tree: any TreeLookup, revision: Revision?,
        extraErrors: [SpecError] = []
    ) -> Result<Snapshot, Failure> {
        var errors = extraErrors
        var objects: [ObjectKey: SpecObject] = [:]
        var declared: [ObjectKey: DeclaredObject] = [:]
        var anyUnreadable = false
        var hosts: HostsFile?
        for file in files.sorted(by: { $0.path < $1.path }) {
            errors += file.errors
            if let found = file.hosts {
                if let first = hosts {
                    errors.append(
                        SpecError(
                            file: file.path, line: 1, column: 1,
                            message:
                                "a second \(HostsFile.fileName) (the first is \(first.file)); keep one per spec root"))
                } else {
                    hosts = found
                }
            }
            if file.errors.contains(where: { $0.path.isEmpty }) { anyUnreadable = true }
            for d in file.declared {
                if let first = declared[d.key] {
                    errors.append(
                        SpecError(
                            file: d.file, line: d.line, column: d.column, path: "metadata.name",
                            message:
                                "\(d.key.kind.rawValue) \(JSONText.quoted(d.key.name)) is defined twice (first at \(first.file):\(first.line):\(first.column)); names are unique per kind"
                        ))
                } else {
                    declared[d.key] = d
                }
            }
            for object in file.objects
            where objects[object.key] == nil && declared[object.key]?.file == object.file
                && declared[object.key]?.line == object.line
            {
                objects[object.key] = object
            }
        }

        return check(
            objects, exists: { declared[$0] != nil }, quiet: anyUnreadable, tree: tree, revision: revision,
            errors: errors
        ).map { snapshot in
            var snapshot = snapshot
            snapshot.hosts = hosts
            return snapshot
        }
    }

    /// The checks across objects, over objects that are otherwise valid. Their order does not matter (errors are
    /// sorted at the end), so nothing is sorted or copied on the way: this runs on every new commit.
    static func check(
        _ objects: [ObjectKey: SpecObject], exists: (ObjectKey) -> Bool, quiet: Bool, tree: any TreeLookup,
        revision: Revision?, errors: [SpecError]
    ) -> Result<Snapshot, Failure> {
        var errors = errors
        var digests: [String: String] = [:]
        for object in objects.values {
            errors += references(
                of: object, exists: exists,
                names: { kind in
                    Set(objects.keys.filter { $0.kind == kind }.map(\.name)).sorted()
                }, objects: objects, quiet: quiet)
            if let build = object.imageBuild {
                errors += referencedFiles(of: object, build, tree: tree, digests: &digests)
            } else if let path = object.virtualMachine?.userDataPath {
                let missing = referencedFiles(
                    of: object, [("spec.cloudInit.userData", path)], tree: tree, digests: &digests)
                errors += missing
                if missing.isEmpty, let reader = tree as? any TreeReader { errors += userDataErrors(path, reader) }
            }
        }
        if !errors.isEmpty { return .failure(Failure(errors: SpecError.sorted(Array(Set(errors))))) }
        return .success(Snapshot(revision: revision, objects: objects, fileDigests: digests))
    }

    /// References to other objects resolve. When a file could not be read at all, its objects are unknown and a
    /// missing reference may just be in that file: such errors are left out rather than guessed.
    static func references(
        of object: SpecObject, exists: (ObjectKey) -> Bool, names: (Kind) -> [String],
        objects: [ObjectKey: SpecObject], quiet: Bool
    ) -> [SpecError] {
        var errors: [SpecError] = []
        func require(_ kind: Kind, _ name: String, at path: String) -> Bool {
            if exists(ObjectKey(kind, name)) { return true }
            if !quiet {
                let names = names(kind)
                errors.append(
                    SpecError(
                        file: object.file, mark: object.mark(path), path: path,
                        message:
                            "no \(kind.rawValue) named \(JSONText.quoted(name)) in the repository\(Suggestion.hint(for: name, in: names))"
                    ))
            }
            return false
        }
        switch object.typed {
        case .imageBuild(let build):
            if let base = build.baseImage, require(.image, base, at: "spec.source.image"),
                let chain = baseCycle(from: object.name, objects: objects)
            {
                errors.append(
                    SpecError(
                        file: object.file, mark: object.mark("spec.source.image"), path: "spec.source.image",
                        message:
                            "layered builds form a cycle: \(chain.joined(separator: " → ")); one of them must start from another source"
                    ))
            }
        case .image(let image):
            switch image.source {
            case .build(let name, let format)?:
                if require(.imageBuild, name, at: "spec.source.build"),
                    let build = objects[ObjectKey(.imageBuild, name)]?.imageBuild,
                    !build.outputFormats.contains(format)
                {
                    // An unwritten format (the default, qcow2) has no position of its own: point at the build.
                    let mark = object.marks["spec.source.format"] ?? object.mark("spec.source.build")
                    errors.append(
                        SpecError(
                            file: object.file, mark: mark, path: "spec.source.format",
                            message:
                                "ImageBuild \(JSONText.quoted(name)) does not produce \(format) (it makes \(build.outputFormats.joined(separator: ", "))); add it to its conversionFormats"
                        ))
                }
            case .snapshotOf(let vm)?:
                if require(.virtualMachine, vm, at: "spec.source.snapshotOf"),
                    case .named(let used)? = objects[ObjectKey(.virtualMachine, vm)]?.virtualMachine?.image,
                    used == object.name
                {
                    errors.append(
                        SpecError(
                            file: object.file, mark: object.mark("spec.source.snapshotOf"),
                            path: "spec.source.snapshotOf",
                            message:
                                "Image \(JSONText.quoted(object.name)) would be a snapshot of VirtualMachine \(JSONText.quoted(vm)), which runs this same image: a cycle"
                        ))
                }
            case .url?, nil:
                break
            }
            for (i, name) in image.virtualizedImages.enumerated() {
                let path = "spec.virtualizedImages[\(i)]"
                if name == object.name {
                    errors.append(
                        SpecError(
                            file: object.file, mark: object.mark(path), path: path,
                            message: "an image cannot list itself in virtualizedImages"))
                } else {
                    _ = require(.image, name, at: path)
                }
            }
        case .virtualMachine(let vm):
            if case .named(let name) = vm.image { _ = require(.image, name, at: "spec.image") }
        }
        return errors
    }

    /// The chain of a layered build back to itself (`ImageBuild a → Image b → ImageBuild b → Image a → ImageBuild a`),
    /// or nil when following `source.image` and the Image's `source.build` ends somewhere else.
    static func baseCycle(from build: String, objects: [ObjectKey: SpecObject]) -> [String]? {
        var chain = ["ImageBuild \(build)"]
        var seen: Set<String> = [build]
        var current = build
        while let base = objects[ObjectKey(.imageBuild, current)]?.imageBuild?.baseImage {
            chain.append("Image \(base)")
            guard case .build(let next, _)? = objects[ObjectKey(.image, base)]?.image?.source else { return nil }
            chain.append("ImageBuild \(next)")
            if next == build { return chain }
            // A cycle that does not pass through `build` is reported on its own members.
            guard seen.insert(next).inserted else { return nil }
            current = next
        }
        return nil
    }

    /// Whether a check across documents (a reference to another object, a file of the spec root) may report an error
    /// at `path`. A parsed object keeps the marks of these paths alone (every other field's mark is only needed while
    /// its own document is checked): on 10,000 images the marks of every field were 13 MB of `kiln serve`'s heap.
    static func checksAcrossDocuments(at path: String) -> Bool {
        path.hasPrefix("spec.source.") || path == "spec.image" || path.hasPrefix("spec.virtualizedImages[")
            || path == "spec.bootScript" || path == "spec.preseedScript" || path == "spec.cloudInit.userData"
            || (path.hasPrefix("spec.scripts[") && path.hasSuffix("].path"))
    }

    /// Scripts and in-repository sources are regular files inside the spec root: never a symlink, a submodule or a
    /// folder, and never missing.
    static func referencedFiles(
        of object: SpecObject, _ build: ImageBuildSpec, tree: any TreeLookup,
        digests: inout [String: String]
    ) -> [SpecError] {
        var paths: [(String, String)] = []
        if let p = build.bootScript { paths.append(("spec.bootScript", p)) }
        if let p = build.preseedScript { paths.append(("spec.preseedScript", p)) }
        for (i, s) in build.scripts.enumerated() { paths.append(("spec.scripts[\(i)].path", s.path)) }
        if case .path(let p, _) = build.source { paths.append(("spec.source.path", p)) }
        return referencedFiles(of: object, paths, tree: tree, digests: &digests)
    }

    /// A VM's user-data file, checked as cloud-init will read it; errors point into that file.
    static func userDataErrors(_ path: String, _ reader: any TreeReader) -> [SpecError] {
        let file = reader.displayPath(path)
        let bytes: [UInt8]
        switch reader.contents(at: path, limit: CloudInitUserData.maxBytes) {
        case nil: return []
        case .tooLarge(let size)?:
            return [
                SpecError(
                    file: file, line: 1, column: 1,
                    message: "user-data is \(size) bytes, over the limit of \(CloudInitUserData.maxBytes) bytes")
            ]
        case .bytes(let read)?: bytes = read
        }
        if case .failure(let error) = CloudInitUserData.parse(bytes, file: file) { return [SpecError(error)] }
        return []
    }

    /// Each (field, path) names a regular file of the spec root; its digest is recorded.
    static func referencedFiles(
        of object: SpecObject, _ paths: [(String, String)], tree: any TreeLookup,
        digests: inout [String: String]
    ) -> [SpecError] {
        var errors: [SpecError] = []
        for (field, path) in paths {
            func fail(_ message: String) {
                errors.append(SpecError(file: object.file, mark: object.mark(field), path: field, message: message))
            }
            switch tree.entry(at: path) {
            case nil: fail("no file \(path) under the spec root (paths are relative to the spec root)")
            case let entry? where entry.type == .symlink:
                fail("\(path) is a symlink; Kiln never follows symlinks in a spec repository")
            case let entry? where entry.type == .submodule:
                fail("\(path) is in a submodule; Kiln never reads submodules")
            case let entry? where entry.type == .directory: fail("\(path) is a folder, not a file")
            case let entry?: digests[path] = entry.digest ?? ""
            }
        }
        return errors
    }
}
