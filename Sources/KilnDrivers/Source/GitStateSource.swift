import KilnReconciler
import KilnSource
import KilnSpec
import Metrics

/// The reconciler's desired-state source over a git repository.
public struct GitStateSource: DesiredStateSource {
    public let git: GitSource
    public let origin: SourceOrigin

    /// Wraps a git source; the branch shown in status is the one it follows (for a remote's default branch, known
    /// once fetched: the first `poll`).
    public init(_ git: GitSource) async {
        self.git = git
        origin = SourceOrigin(
            repository: git.location.display, branch: await git.trackedBranch(), specRoot: git.specRoot)
    }

    /// Fetches (a remote) and reads the branch; `kiln_git_fetch_duration_seconds` records how long it took.
    public func poll() async throws -> String {
        let started = ContinuousClock.now
        defer {
            let elapsed = (ContinuousClock.now - started).components
            Timer(label: "kiln_git_fetch_duration_seconds").recordNanoseconds(
                elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000)
        }
        return try await git.poll()
    }

    public func load(commit: String) async -> SourceLoad {
        do {
            let load = try await git.load(commit: commit)
            return SourceLoad(revision: load.revision, result: load.result)
        } catch {
            let revision = (try? await git.revision(of: commit)) ?? Revision(id: commit, author: "")
            return SourceLoad(
                revision: revision,
                result: .failure(
                    .init(errors: [
                        SpecError(
                            file: git.specRoot.isEmpty ? "." : git.specRoot, line: 1, column: 1, message: "\(error)")
                    ])))
        }
    }

    public func fileReader(commit: String) async throws -> any SpecFileReader {
        try await git.fileReader(commit: commit)
    }
}
