import CGit2

/// An open repository (`git_repository`). Not thread-safe: each owner (an actor, a fetch thread, one read) opens its
/// own.
final class GitRepository {
    let pointer: OpaquePointer

    private init(_ pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit { git_repository_free(pointer) }

    /// Opens a work tree or a bare repository at exactly `path`, never searching parent folders.
    static func open(_ path: String, display: String) throws(GitSourceError) -> GitRepository {
        Libgit2.ensureInitialized()
        var out: OpaquePointer?
        let code = git_repository_open_ext(&out, path, GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue, nil)
        // libgit2 1.5.1 reports a repository owned by another user as "config value 'safe.directory' was not found".
        if code == GIT_EOWNER.rawValue
            || (code == GIT_ENOTFOUND.rawValue && GitSourceError.lastMessage().contains("safe.directory"))
        {
            throw .repositoryNotOwned(repository: display)
        }
        if code == GIT_ENOTFOUND.rawValue { throw .repositoryNotFound(repository: display) }
        try check(code, "open \(display)")
        return GitRepository(out!)
    }

    /// Opens the bare repository at `path`, creating it when missing.
    static func openOrCreateBare(_ path: String) throws(GitSourceError) -> GitRepository {
        Libgit2.ensureInitialized()
        var out: OpaquePointer?
        if git_repository_open_ext(
            &out, path, GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue | GIT_REPOSITORY_OPEN_BARE.rawValue, nil) == 0
        {
            return GitRepository(out!)
        }
        try check(git_repository_init(&out, path, 1), "create the mirror \(path)")
        return GitRepository(out!)
    }

    /// The repository's git folder (`.git` of a work tree, or the bare repository itself).
    var gitDirectory: String {
        String(cString: git_repository_path(pointer))
    }

    func odb() throws(GitSourceError) -> GitODB {
        var out: OpaquePointer?
        try check(git_repository_odb(&out, pointer), "open the object database")
        return GitODB(out!)
    }

    func reference(_ name: String) throws(GitSourceError) -> GitReference? {
        var out: OpaquePointer?
        let code = git_reference_lookup(&out, pointer, name)
        if code == GIT_ENOTFOUND.rawValue || code == GIT_EINVALIDSPEC.rawValue { return nil }
        try check(code, "read \(name)")
        return GitReference(out!)
    }

    /// The names of references that start with `prefix` (e.g. `refs/heads/`), sorted.
    func referenceNames(under prefix: String) throws(GitSourceError) -> [String] {
        var names = git_strarray()
        try check(git_reference_list(&names, pointer), "list references")
        defer { git_strarray_dispose(&names) }
        var out: [String] = []
        for i in 0..<names.count {
            guard let name = names.strings[i].map({ String(cString: $0) }), name.hasPrefix(prefix) else { continue }
            out.append(name)
        }
        return out.sorted()
    }

    func setSymbolicReference(_ name: String, to target: String, message: String) throws(GitSourceError) {
        var out: OpaquePointer?
        try check(git_reference_symbolic_create(&out, pointer, name, target, 1, message), "write \(name)")
        git_reference_free(out)
    }

    func commit(_ id: ObjectID) throws(GitSourceError) -> GitCommit? {
        var out: OpaquePointer?
        let code = id.withOID { oid in git_commit_lookup(&out, pointer, oid) }
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try check(code, "read commit \(id)")
        return GitCommit(out!)
    }

    func tree(_ id: ObjectID) throws(GitSourceError) -> GitTree? {
        var out: OpaquePointer?
        let code = id.withOID { oid in git_tree_lookup(&out, pointer, oid) }
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try check(code, "read tree \(id)")
        return GitTree(out!)
    }

    func blob(_ id: ObjectID) throws(GitSourceError) -> GitBlob {
        var out: OpaquePointer?
        try id.withOID { oid throws(GitSourceError) in try check(git_blob_lookup(&out, pointer, oid), "read blob \(id)")
        }
        return GitBlob(out!)
    }

    /// The object whose id starts with `hex` (4 to 40 hex digits), or nil when none does.
    func object(prefix hex: String) throws(GitSourceError) -> GitObject? {
        var oid = git_oid()
        try check(git_oid_fromstrn(&oid, hex, hex.utf8.count), "read \(hex) as an object id")
        var out: OpaquePointer?
        let code = git_object_lookup_prefix(&out, pointer, &oid, hex.utf8.count, GIT_OBJECT_ANY)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        if code == GIT_EAMBIGUOUS.rawValue {
            throw .ambiguousRevision(hex, candidates: ["several objects start with \(hex)"])
        }
        try check(code, "look up \(hex)")
        return GitObject(out!)
    }
}
