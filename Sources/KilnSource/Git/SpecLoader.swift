import KilnSpec

/// Turns commits into snapshots, re-reading only what changed since the last commit it loaded.
///
/// It keeps the last loaded spec root: its tree id, an index of every entry under it, and each spec file's parse
/// (keyed by blob id and path, since a parse names its file). A new commit is diffed tree-to-tree against that spec
/// root, the index is updated from the diff, and only added or changed spec blobs are read and parsed; a commit whose
/// spec root is the same tree costs a lookup. Any commit can be loaded, related or not (a force-push): the diff is
/// against whatever was loaded last. If a load fails half-way, the state is dropped and the next load walks the whole
/// spec root.
struct SpecLoader {
    let specRoot: String
    let limits: SourceLimits

    private struct SpecFile {
        var id: ObjectID
        /// Bytes counted towards `maxTotalBytes`: a regular file's size, 0 for a refused symlink or submodule.
        var size: Int
        var parsed: ParsedFile
        var isRegular: Bool
    }

    private struct CacheKey: Hashable {
        var id: ObjectID
        var path: String
    }

    private struct Base {
        var treeID: ObjectID
        var index = SpecIndex()
        var specFiles: [String: SpecFile] = [:]
        var regularFiles = 0
        var totalBytes = 0
        var result: Result<Snapshot, SnapshotAssembler.Failure> = .success(.empty)
        /// The parsed spec files joined so far, updated file by file.
        var assembler = IncrementalAssembler()
    }

    private var base: Base?
    /// Parses of spec files the last diffs removed, so that moving back and forth between commits reuses them.
    private var recent: [CacheKey: ParsedFile] = [:]

    init(specRoot: String, limits: SourceLimits) {
        self.specRoot = specRoot
        self.limits = limits
    }

    mutating func load(_ commit: GitCommit, repository: GitRepository, odb: GitODB) throws(GitSourceError) -> GitLoad {
        let revision = commit.revision
        let specTree: GitTree
        switch try specRootTree(of: commit, in: repository) {
        case .success(let tree): specTree = tree
        case .failure(let refusal): return refused(revision, refusal.message)
        }

        if let base, base.treeID == specTree.id {
            var result = base.result
            if case .success(var snapshot) = result {
                snapshot.revision = revision
                result = .success(snapshot)
            }
            return GitLoad(
                revision: revision, result: result,
                stats: .init(strategy: .sameTree, specFiles: base.regularFiles, reused: base.regularFiles))
        }

        var state: Base
        let strategy: GitLoad.Stats.Strategy
        let changes: [TreeDiff.Change]
        do {
            if let previous = base.take(), let oldTree = try repository.tree(previous.treeID) {
                state = previous
                changes = try TreeDiff.changes(from: oldTree, to: specTree, in: repository)
                strategy = .diff
            } else {
                state = Base(treeID: specTree.id)
                changes = try TreeDiff.changes(from: nil, to: specTree, in: repository)
                strategy = .walk
            }
        } catch .treeTooDeep(let path, let limit) {
            return refused(
                revision, file: path, strategy: .walk,
                "folders nest more than \(limit) deep under the spec root; flatten them")
        } catch .badEntryName(let path) {
            return refused(
                revision, file: SourcePathName.shown(path), strategy: .walk,
                "a tree entry named ., .. or with a / (git never writes one; the commit was crafted)")
        }
        state.treeID = specTree.id
        let pending = apply(changes, to: &state)

        let pendingFiles = pending.count(where: { $0.entry.mode.isFile })
        state.regularFiles += pendingFiles
        if state.regularFiles > limits.maxFiles {
            let specPaths = state.index.entries.filter { Self.isSpecPath($0.key) && $0.value.mode.isFile }.keys
            return refused(
                revision, file: Self.nth(limits.maxFiles, of: specPaths), strategy: strategy,
                "more than \(limits.maxFiles) spec files under the spec root; split the repository")
        }
        let (toParse, reused) = try prepare(pending, into: &state, odb: odb)
        if state.totalBytes > limits.maxTotalBytes {
            return refused(
                revision, file: try firstPathOverTotal(state, odb: odb), strategy: strategy,
                "spec files add up to more than \(limits.maxTotalBytes) bytes; split the repository")
        }
        for (path, id, size) in toParse {
            let bytes = try repository.blob(id).bytes
            let parsed = DocumentParser.parse(path: display(path), bytes: bytes, limits: limits.yaml)
            state.specFiles[path] = SpecFile(id: id, size: size, parsed: parsed, isRegular: true)
        }

        var touched = Set(changes.compactMap { $0.old?.path })
        touched.formUnion(pending.map(\.path))
        for path in touched where Self.isSpecPath(path) {
            state.assembler.replace(path, with: state.specFiles[path]?.parsed)
        }
        state.result = state.assembler.assemble(
            tree: ReadableSpecIndex(
                index: state.index, repository: repository, odb: odb,
                specRoot: specRoot), revision: revision)
        let stats = GitLoad.Stats(
            strategy: strategy, changedEntries: changes.count, specFiles: state.regularFiles,
            parsed: toParse.count, reused: state.regularFiles - pendingFiles + reused)
        base = state
        return GitLoad(revision: revision, result: state.result, stats: stats)
    }

    private struct Refusal: Error {
        var message: String
    }

    /// The tree of the spec root, or why the commit has none.
    private func specRootTree(
        of commit: GitCommit, in repository: GitRepository
    ) throws(GitSourceError) -> Result<GitTree, Refusal> {
        let root = try commit.tree()
        if specRoot.isEmpty { return .success(root) }
        let id = commit.id.hex.prefix(12)
        switch try TreePath.find(specRoot, from: root, in: repository) {
        case .folder(let tree): return .success(tree)
        case .file:
            return .failure(Refusal(message: "the spec root is a file, not a folder, in commit \(id) (check --path)"))
        case .notFound:
            return .failure(
                Refusal(message: "the spec root does not exist in commit \(id) (check --path and --branch)"))
        case .symlink(let at):
            return .failure(
                Refusal(message: "the spec root is a symlink (\(at)) in commit \(id); Kiln never follows symlinks"))
        case .submodule(let at):
            return .failure(
                Refusal(message: "the spec root is in a submodule (\(at)) in commit \(id); Kiln never reads submodules")
            )
        }
    }

    /// Updates the index from `changes` and forgets the spec files they removed; returns the spec paths added or
    /// changed, still to be read.
    private mutating func apply(
        _ changes: [TreeDiff.Change], to state: inout Base
    ) -> [(path: String, entry: SpecIndex.Entry)] {
        for change in changes {
            guard let old = change.old else { continue }
            state.index.remove(old.path)
            if let file = state.specFiles.removeValue(forKey: old.path), file.isRegular {
                state.regularFiles -= 1
                state.totalBytes -= file.size
                remember(file, at: old.path, keeping: state.specFiles.count)
            }
        }
        var pending: [(path: String, entry: SpecIndex.Entry)] = []
        for change in changes {
            guard let new = change.new else { continue }
            let entry = SpecIndex.Entry(mode: EntryMode(new.mode), id: new.id)
            state.index.insert(new.path, entry)
            if Self.isSpecPath(new.path) { pending.append((new.path, entry)) }
        }
        return pending
    }

    /// Settles every pending spec path that needs no parse — a symlink or submodule (refused), a parse kept from an
    /// earlier commit, a blob over the per-file cap (refused from its header, never inflated) — and counts sizes;
    /// returns the blobs left to read and parse, and how many parses were reused.
    private mutating func prepare(
        _ pending: [(path: String, entry: SpecIndex.Entry)], into state: inout Base,
        odb: GitODB
    ) throws(GitSourceError) -> ([(path: String, id: ObjectID, size: Int)], Int) {
        var toParse: [(path: String, id: ObjectID, size: Int)] = []
        var reused = 0
        for (path, entry) in pending {
            if let problem = SourcePathName.problem(path) {
                state.specFiles[path] = SpecFile(
                    id: entry.id, size: 0,
                    parsed: Self.unreadable(SourcePathName.shown(display(path)), problem), isRegular: false)
                continue
            }
            switch entry.mode {
            case .symlink:
                state.specFiles[path] = SpecFile(
                    id: entry.id, size: 0,
                    parsed: Self.unreadable(
                        display(path),
                        "is a symlink; Kiln never follows symlinks in a spec repository (commit the file itself)"),
                    isRegular: false)
            case .submodule:
                state.specFiles[path] = SpecFile(
                    id: entry.id, size: 0,
                    parsed: Self.unreadable(
                        display(path),
                        "is a submodule; Kiln never reads submodules (commit the file itself)"), isRegular: false)
            case .file, .executable, .folder:
                if let parsed = recent.removeValue(forKey: CacheKey(id: entry.id, path: path)) {
                    state.specFiles[path] = SpecFile(id: entry.id, size: parsed.size, parsed: parsed, isRegular: true)
                    state.totalBytes += parsed.size
                    reused += 1
                    continue
                }
                let size = try odb.header(entry.id).size
                state.totalBytes += size
                guard size <= limits.yaml.maxFileBytes else {
                    var parsed = Self.unreadable(
                        display(path),
                        "file is \(size) bytes, over the limit of \(limits.yaml.maxFileBytes) bytes per spec file; split it into smaller files"
                    )
                    parsed.size = size
                    state.specFiles[path] = SpecFile(id: entry.id, size: size, parsed: parsed, isRegular: true)
                    continue
                }
                toParse.append((path, entry.id, size))
            }
        }
        return (toParse, reused)
    }

    /// Whether a path under the spec root is where a spec file may be: `*.yaml` or `*.yml`, with no file or folder
    /// name starting with `.` on the way (`.github/`, `.hidden.yaml`).
    static func isSpecPath(_ path: String) -> Bool {
        guard SourceLimits.isSpecFile(path) else { return false }
        return !path.hasPrefix(".") && !path.contains("/.")
    }

    /// The repository-root path of a path under the spec root, as errors name files.
    func display(_ path: String) -> String {
        specRoot.isEmpty ? path : "\(specRoot)/\(path)"
    }

    /// Keeps a removed file's parse for a while; the cache is emptied when it outgrows the spec root, so it costs
    /// at most as much memory as the spec root itself.
    private mutating func remember(_ file: SpecFile, at path: String, keeping limit: Int) {
        if recent.count >= max(1024, limit) { recent.removeAll(keepingCapacity: true) }
        recent[CacheKey(id: file.id, path: path)] = file.parsed
    }

    private func refused(
        _ revision: Revision, file: String? = nil, strategy: GitLoad.Stats.Strategy = .noSpecRoot,
        _ message: String
    ) -> GitLoad {
        let shown = file.map(display) ?? (specRoot.isEmpty ? "." : specRoot)
        let error = SpecError(file: shown, line: 1, column: 1, message: message)
        return GitLoad(revision: revision, result: .failure(.init(errors: [error])), stats: .init(strategy: strategy))
    }

    private static func unreadable(_ path: String, _ message: String) -> ParsedFile {
        ParsedFile(
            path: path, objects: [], errors: [SpecError(file: path, line: 1, column: 1, message: message)],
            declared: [], size: 0)
    }

    /// The `n`-th path in walk order (0-based), or the last: where a cap is crossed, named as a folder walk would.
    private static func nth(_ n: Int, of paths: some Collection<String>) -> String? {
        let sorted = paths.sorted(by: walkOrder)
        return sorted.isEmpty ? nil : sorted[min(n, sorted.count - 1)]
    }

    /// The order a depth-first walk of sorted names visits paths in (`a/x` before `a-b/x`), as ``FolderSource`` does.
    static func walkOrder(_ a: String, _ b: String) -> Bool {
        a.split(separator: "/").lexicographicallyPrecedes(b.split(separator: "/"))
    }

    /// The spec file, in sorted order, at which the total size crosses the cap.
    private func firstPathOverTotal(_ state: Base, odb: GitODB) throws(GitSourceError) -> String? {
        var total = 0
        let paths = state.index.entries.filter { Self.isSpecPath($0.key) && $0.value.mode.isFile }
        for (path, entry) in paths.sorted(by: { Self.walkOrder($0.key, $1.key) }) {
            if let file = state.specFiles[path] {
                total += file.size
            } else {
                total += try odb.header(entry.id).size
            }
            if total > limits.maxTotalBytes { return path }
        }
        return nil
    }
}

extension Optional {
    /// The value, leaving nil behind.
    mutating func take() -> Wrapped? {
        defer { self = nil }
        return self
    }
}
