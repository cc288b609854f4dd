import CGit2

/// Why a git source could not do what was asked, in words that say what to do next.
///
/// Repositories are always named as the user gave them with any password masked (``RepositoryLocation/display``).
public enum GitSourceError: Error, Sendable, CustomStringConvertible {
    /// libgit2 refused an operation; `message` is libgit2's own (`git_error_last`), passwords masked.
    case libgit2(operation: String, code: Int32, message: String)
    case repositoryNotFound(repository: String)
    case repositoryNotOwned(repository: String)
    case invalidSpecRoot(String)
    case invalidBranch(String)
    case invalidRepository(String, reason: String)
    case unbornBranch(branch: String, repository: String)
    case branchNotFound(branch: String, repository: String, available: [String])
    case emptyRemote(repository: String)
    case invalidRevision(String, reason: String)
    case revisionNotFound(String, repository: String)
    case ambiguousRevision(String, candidates: [String])
    case notACommit(String, type: String)
    case fetchTimedOut(repository: String, seconds: Double)
    case fetchCancelled(repository: String)
    case fetchFailed(repository: String, message: String)
    case invalidPath(String, reason: String)
    case fileNotFound(path: String, commit: String)
    case symlink(path: String)
    case submodule(path: String)
    case folder(path: String)
    case fileTooLarge(path: String, size: Int, limit: Int)
    case treeTooDeep(path: String, limit: Int)
    /// A tree entry named `.`, `..`, with a `/` or with no name: never written by git, only crafted.
    case badEntryName(path: String)

    public var description: String {
        switch self {
        case .libgit2(let operation, let code, let message):
            "git: \(operation) failed: \(message) (libgit2 error \(code))"
        case .repositoryNotFound(let repository):
            "\(repository) is not a git repository (give --repo a work tree, a bare repository or a URL)"
        case .repositoryNotOwned(let repository):
            "\(repository) belongs to another user, so libgit2 refuses to open it; run Kiln as the repository's owner, or list the repository under safe.directory in the git config of the user running Kiln"
        case .invalidSpecRoot(let root):
            "\(root) is not a folder path inside the repository (write it relative to the repository root, without '..')"
        case .invalidBranch(let branch):
            "\(branch) is not a valid branch name (give --branch a plain branch name such as main)"
        case .invalidRepository(let repository, let reason):
            "\(repository): \(reason)"
        case .unbornBranch(let branch, let repository):
            "branch \(branch) of \(repository) has no commits yet; commit the specs first, or choose a branch with --branch"
        case .branchNotFound(let branch, let repository, let available):
            "no branch \(branch) in \(repository)"
                + (available.isEmpty
                    ? " (it has no branches)"
                    : " (branches: \(available.prefix(10).joined(separator: ", "))\(available.count > 10 ? ", …" : ""))")
                + "; check --branch"
        case .emptyRemote(let repository):
            "\(repository) has no commits on its default branch (an empty repository?); push a commit, or choose a branch with --branch"
        case .invalidRevision(let revision, let reason):
            "\(Self.quoted(revision)) is not a revision Kiln accepts: \(reason); give a commit id (4 to 40 hex digits), a branch, a tag or HEAD"
        case .revisionNotFound(let revision, let repository):
            "no commit, branch or tag \(Self.quoted(revision)) in \(repository); fetch it first, or check the spelling"
        case .ambiguousRevision(let revision, let candidates):
            "\(Self.quoted(revision)) is ambiguous (\(candidates.joined(separator: ", "))); give more digits, or refs/heads/… or refs/tags/…"
        case .notACommit(let revision, let type):
            "\(Self.quoted(revision)) names a \(type), not a commit; give a commit id, a branch or a tag of a commit"
        case .fetchTimedOut(let repository, let seconds):
            "fetching \(repository) took longer than \(Self.seconds(seconds)) and was stopped; check the network or the server, or raise the fetch timeout (--fetch-timeout)"
        case .fetchCancelled(let repository):
            "fetching \(repository) was cancelled"
        case .fetchFailed(let repository, let message):
            "cannot fetch \(repository): \(message); check the URL, the network and the credentials"
        case .invalidPath(let path, let reason):
            "\(Self.quoted(path)) is not a path Kiln reads: \(reason)"
        case .fileNotFound(let path, let commit):
            "no file \(path) in commit \(commit.prefix(12)) (paths are relative to the spec root)"
        case .symlink(let path):
            "\(path) is a symlink; Kiln never follows symlinks in a spec repository (commit the file itself)"
        case .submodule(let path):
            "\(path) is a submodule; Kiln never reads submodules (commit the files themselves)"
        case .folder(let path):
            "\(path) is a folder, not a file"
        case .badEntryName(let path):
            "\(path) is a tree entry git never writes (named ., .. or with a /); the commit was crafted"
        case .treeTooDeep(let path, let limit):
            "\(path) nests folders more than \(limit) deep under the spec root; flatten it"
        case .fileTooLarge(let path, let size, let limit):
            "\(path) is \(size) bytes, over the limit of \(limit) bytes for a file Kiln reads from git; make it smaller or raise the limit"
        }
    }

    /// The error libgit2 recorded for the failed call on this thread, with `secret` masked wherever it appears.
    static func libgit2(_ operation: String, _ code: Int32, masking secret: String? = nil) -> GitSourceError {
        .libgit2(operation: operation, code: code, message: lastMessage(masking: secret))
    }

    /// libgit2's message for the last failed call on this thread.
    static func lastMessage(masking secret: String? = nil) -> String {
        guard let error = git_error_last(), let text = error.pointee.message else { return "unknown error" }
        return RepositoryLocation.mask(String(cString: text), secret: secret)
    }

    private static func quoted(_ text: String) -> String {
        "\""
            + text.unicodeScalars.map {
                $0.isASCII && $0.value >= 0x20 && $0 != "\"" ? String($0) : $0.escaped(asASCII: true)
            }.joined() + "\""
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}

/// Calls a libgit2 function and turns a negative result into a ``GitSourceError``.
@inline(__always)
func check(_ code: Int32, _ operation: @autoclosure () -> String) throws(GitSourceError) {
    if code < 0 { throw GitSourceError.libgit2(operation(), code) }
}
