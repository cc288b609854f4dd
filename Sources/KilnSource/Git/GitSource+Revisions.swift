import KilnSpec

extension GitSource {
    /// The full commit id of a revision a user wrote: a full or abbreviated (4+ hex digits) commit id, a branch, a
    /// tag, `refs/heads/…`, `refs/tags/…` or `HEAD`. Nothing else: revspec syntax (`:/text`, `@{…}`, `^`, `~`, `..`)
    /// is refused. A name that fits several of these (a branch named `beef` and a commit `beef…`) is refused as
    /// ambiguous unless they are the same commit.
    ///
    /// In a mirror, branches are the remote's (`refs/remotes/origin/…`) and `HEAD` is the remote's default branch.
    public func resolve(_ revision: String) throws(GitSourceError) -> String {
        try commitID(resolving: revision).hex
    }

    func commitID(resolving text: String) throws(GitSourceError) -> ObjectID {
        let notFound = GitSourceError.revisionNotFound(text, repository: location.display)
        switch try RevisionName(text) {
        case .head:
            return try headCommit()
        case .commitID(let hex):
            guard let id = try commit(prefix: hex, as: text) else { throw notFound }
            return id
        case .branch(let name):
            guard let id = try branchCommit(name) else { throw notFound }
            return id
        case .tag(let name):
            guard let id = try tagCommit(name, as: text) else { throw notFound }
            return id
        case .name(let name, let mayBeCommitID):
            var found: [(String, ObjectID)] = []
            if let id = try branchCommit(name) { found.append(("branch \(name) → \(id.hex.prefix(12))", id)) }
            if let id = try tagCommit(name, as: text) { found.append(("tag \(name) → \(id.hex.prefix(12))", id)) }
            if mayBeCommitID, let id = try commit(prefix: name, as: text) {
                found.append(("commit \(id.hex.prefix(12))", id))
            }
            guard let first = found.first else { throw notFound }
            guard found.allSatisfy({ $0.1 == first.1 }) else {
                throw .ambiguousRevision(text, candidates: found.map(\.0))
            }
            return first.1
        }
    }

    /// The commit the source follows: the configured branch, else the local `HEAD` or the remote's default branch.
    func trackedCommit() throws(GitSourceError) -> ObjectID {
        guard let branch else { return try headCommit() }
        if let id = try branchCommit(branch) { return id }
        if case .local = location, try repository.reference("HEAD")?.symbolicTarget == "refs/heads/\(branch)" {
            throw .unbornBranch(branch: branch, repository: location.display)
        }
        throw .branchNotFound(branch: branch, repository: location.display, available: try branchNames())
    }

    /// The name of the branch the source follows, for status: the configured one, else the local `HEAD`'s branch or
    /// the remote's default branch (once fetched); `HEAD` for a detached head.
    public func trackedBranch() -> String {
        if let branch { return branch }
        switch location {
        case .local:
            let target = (try? repository.reference("HEAD"))??.symbolicTarget
            return target.map { $0.hasPrefix("refs/heads/") ? String($0.dropFirst("refs/heads/".count)) : $0 } ?? "HEAD"
        case .remote:
            if let remoteDefaultBranch { return remoteDefaultBranch }
            let target = (try? repository.reference("refs/remotes/origin/HEAD"))??.symbolicTarget
            return target.map { String($0.dropFirst("refs/remotes/origin/".count)) } ?? "(the remote's default branch)"
        }
    }

    /// The local repository's `HEAD`, or the remote's default branch in a mirror.
    private func headCommit() throws(GitSourceError) -> ObjectID {
        switch location {
        case .local:
            guard let head = try repository.reference("HEAD") else {
                throw .invalidRepository(location.display, reason: "it has no HEAD; repair the repository")
            }
            if let id = try head.commit() { return id }
            let target = head.symbolicTarget ?? "HEAD"
            let name = target.hasPrefix("refs/heads/") ? String(target.dropFirst("refs/heads/".count)) : target
            throw .unbornBranch(branch: name, repository: location.display)
        case .remote:
            var name = remoteDefaultBranch
            if name == nil, let target = try repository.reference("refs/remotes/origin/HEAD")?.symbolicTarget {
                name = String(target.dropFirst("refs/remotes/origin/".count))
            }
            guard let name else { throw .emptyRemote(repository: location.display) }
            if let id = try branchCommit(name) { return id }
            throw .emptyRemote(repository: location.display)
        }
    }

    private var branchPrefix: String {
        if case .remote = location { return "refs/remotes/origin/" }
        return "refs/heads/"
    }

    private func branchCommit(_ name: String) throws(GitSourceError) -> ObjectID? {
        try repository.reference(branchPrefix + name)?.commit()
    }

    private func tagCommit(_ name: String, as text: String) throws(GitSourceError) -> ObjectID? {
        guard let tag = try repository.reference("refs/tags/" + name) else { return nil }
        guard let id = try tag.commit() else { throw .notACommit(text, type: "tag of something other than a commit") }
        return id
    }

    private func commit(prefix hex: String, as text: String) throws(GitSourceError) -> ObjectID? {
        guard let object = try repository.object(prefix: hex) else { return nil }
        guard let id = try object.peeledToCommit() else { throw .notACommit(text, type: object.typeName) }
        return id
    }

    private func branchNames() throws(GitSourceError) -> [String] {
        try repository.referenceNames(under: branchPrefix).map { String($0.dropFirst(branchPrefix.count)) }
            .filter { $0 != "HEAD" }
    }
}
