import KilnReconciler
import KilnSpec

/// A desired-state source whose commits are snapshots held in memory; tests move its head.
public actor MemorySource: DesiredStateSource {
    public nonisolated let origin = SourceOrigin(repository: "memory", branch: "main", specRoot: "")
    var commits: [String: SourceLoad] = [:]
    var files: [String: [String: String]] = [:]
    public private(set) var head: String?
    /// Set to make `poll` fail, as an unreachable remote would.
    public var pollError: (any Error)?

    public init() {}

    /// Adds a commit made of these files and moves the head to it.
    @discardableResult
    public func commit(
        _ id: String, _ content: [String: String], author: String = "Test Author",
        message: String = "change"
    ) -> SourceLoad {
        let revision = Revision(id: id, author: author, message: message)
        let load = SourceLoad(revision: revision, result: SnapshotFixture.load(content, revision: revision))
        commits[id] = load
        files[id] = content
        head = id
        return load
    }

    public func failPolls(_ error: (any Error)?) {
        pollError = error
    }

    public func poll() async throws -> String {
        if let pollError { throw pollError }
        guard let head else { throw MemorySourceError.empty }
        return head
    }

    public func load(commit: String) async -> SourceLoad {
        commits[commit]
            ?? SourceLoad(
                revision: Revision(id: commit, author: ""),
                result: .failure(
                    .init(errors: [SpecError(file: "", line: 1, column: 1, message: "no commit \(commit)")])))
    }

    public func fileReader(commit: String) async throws -> any SpecFileReader {
        MemoryTree(files: files[commit] ?? [:])
    }
}

enum MemorySourceError: Error {
    case empty
}
