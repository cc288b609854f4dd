import KilnSpec

/// Where desired state comes from: a git repository (the real one) or anything that yields snapshots by commit.
public protocol DesiredStateSource: Sendable {
    /// What the source is, for status and the API (credentials masked).
    var origin: SourceOrigin { get }
    /// The commit the source's branch points at now (fetching first for a remote).
    func poll() async throws -> String
    /// The desired state at a commit: a snapshot, or every reason the commit is invalid.
    func load(commit: String) async -> SourceLoad
    /// Reads the files of a commit's spec root (scripts), for builds.
    func fileReader(commit: String) async throws -> any SpecFileReader
}

/// A source's identity: repository, branch and spec root.
public struct SourceOrigin: Sendable, Hashable {
    public var repository: String
    public var branch: String
    public var specRoot: String

    public init(repository: String, branch: String, specRoot: String) {
        self.repository = repository
        self.branch = branch
        self.specRoot = specRoot
    }
}

/// A commit read from a source.
public struct SourceLoad: Sendable {
    public var revision: Revision
    public var result: Result<Snapshot, SnapshotAssembler.Failure>

    public init(revision: Revision, result: Result<Snapshot, SnapshotAssembler.Failure>) {
        self.revision = revision
        self.result = result
    }
}
