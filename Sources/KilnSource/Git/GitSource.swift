import Foundation
import KilnSpec

/// Kiln's desired state from a git repository, read through libgit2 straight from git objects (never the `git` CLI,
/// never a work-tree checkout).
///
/// A local path is opened in place; a URL is fetched into a bare mirror
/// `<dataDirectory>/mirrors/<sha256 prefix of the URL>.git` with `+refs/heads/*:refs/remotes/origin/*` and tags.
/// Each tick calls ``poll()`` (fetch, then resolve the branch) and, when the commit is new, ``load(commit:)``, which
/// re-reads only what changed since the last load. The repository handle is confined to this actor.
public actor GitSource {
    /// The configuration as given.
    public nonisolated let configuration: Configuration
    /// The repository as a path or a URL; show it with ``RepositoryLocation/display``, which masks passwords.
    public nonisolated let location: RepositoryLocation
    /// The spec root, normalised (`""` for the repository's root).
    public nonisolated let specRoot: String
    /// The branch from the configuration, normalised; nil to follow `HEAD` or the remote's default branch.
    public nonisolated let branch: String?
    /// The repository's git folder: the mirror for a remote.
    public nonisolated let gitDirectory: String

    let repository: GitRepository
    private let odb: GitODB
    private var loader: SpecLoader
    private var last: (commit: ObjectID, load: GitLoad)?
    private var fetch: MirrorFetch?
    var remoteDefaultBranch: String?

    /// Opens the repository, or creates the (empty) mirror of a remote; nothing is fetched until ``poll()``.
    public init(_ configuration: Configuration) throws(GitSourceError) {
        self.configuration = configuration
        location = try RepositoryLocation(configuration.repository)
        specRoot = try Self.normalizedSpecRoot(configuration.specRoot)
        branch = try Self.normalizedBranch(configuration.branch)
        switch location {
        case .local(let path):
            repository = try GitRepository.open(path, display: location.display)
        case .remote:
            let folder = URL(fileURLWithPath: configuration.dataDirectory).appendingPathComponent("mirrors")
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            } catch {
                throw .invalidRepository(
                    location.display,
                    reason:
                        "cannot create \(folder.path) for its mirror (\(error.localizedDescription)); check --data-dir")
            }
            repository = try GitRepository.openOrCreateBare(folder.appendingPathComponent(location.mirrorName).path)
        }
        gitDirectory = repository.gitDirectory
        odb = try repository.odb()
        loader = SpecLoader(specRoot: specRoot, limits: configuration.limits)
    }

    /// One tick: fetches a remote into its mirror, then returns the commit id the branch points at now.
    ///
    /// For a local repository this reads one reference: cheap enough to call every few seconds.
    public func poll() async throws(GitSourceError) -> String {
        if case .remote(let url) = location {
            let running: MirrorFetch
            if let fetch, !fetch.isFinished {
                running = fetch
            } else {
                running = MirrorFetch.start(
                    mirror: gitDirectory, url: url, display: location.display,
                    password: location.password, timeout: configuration.fetchTimeout)
                fetch = running
            }
            switch await running.wait() {
            case .success(let branch): remoteDefaultBranch = branch
            case .failure(let error): throw error
            }
        }
        return try trackedCommit().hex
    }

    /// The desired state of `commit` (a commit id, or any revision ``resolve(_:)`` accepts).
    ///
    /// The same commit twice costs a comparison; a commit whose spec root did not change, a tree lookup; any other
    /// commit, a diff against the last loaded one and a parse of the spec files it changed. Throws only when git
    /// cannot be read (a missing commit, a corrupt object); an invalid spec root is a load with errors.
    public func load(commit: String) throws(GitSourceError) -> GitLoad {
        if let last, ObjectID(hex: commit) == last.commit { return cached(last.load) }
        let object = try commitObject(commit)
        if let last, last.commit == object.id { return cached(last.load) }
        let load = try loader.load(object, repository: repository, odb: odb)
        last = (object.id, load)
        return load
    }

    /// Who made `commit`, when, and its full message.
    public func revision(of commit: String) throws(GitSourceError) -> Revision {
        try commitObject(commit).revision
    }

    /// A reader of the files under the spec root of `commit`, for builds.
    public func fileReader(commit: String) throws(GitSourceError) -> GitFileReader {
        GitFileReader(
            gitDirectory: gitDirectory, commit: try commitObject(commit).id.hex, specRoot: specRoot,
            maxBytes: configuration.maxReadBytes)
    }

    private func cached(_ load: GitLoad) -> GitLoad {
        var load = load
        load.stats = .init(strategy: .sameCommit, specFiles: load.stats.specFiles, reused: load.stats.specFiles)
        return load
    }

    /// The commit a full commit id names (the common case, from ``poll()``), or whatever ``resolve(_:)`` makes of
    /// the text (an annotated tag's id, a branch …).
    private func commitObject(_ text: String) throws(GitSourceError) -> GitCommit {
        if let id = ObjectID(hex: text), let commit = try repository.commit(id) { return commit }
        guard let commit = try repository.commit(try commitID(resolving: text)) else {
            throw .revisionNotFound(text, repository: location.display)
        }
        return commit
    }
}
