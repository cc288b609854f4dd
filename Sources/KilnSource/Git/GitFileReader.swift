import KilnSpec

/// Reads files of one commit's spec root straight from git objects: the scripts and in-repository sources a build
/// uses, never from a work tree.
///
/// A symlink (mode 120000), a submodule (160000) or a folder where a file is expected is refused, as is a blob over
/// `maxBytes` (its size is read from the object header before it is inflated). The reader holds only paths and ids
/// and opens the repository for each read, so it is a plain `Sendable` value any task may use.
public struct GitFileReader: SpecFileReader {
    /// The repository's git folder (a work tree's `.git`, a bare repository or a mirror).
    public let gitDirectory: String
    public let commit: String
    public let specRoot: String
    public let maxBytes: Int

    public init(gitDirectory: String, commit: String, specRoot: String, maxBytes: Int) {
        self.gitDirectory = gitDirectory
        self.commit = commit
        self.specRoot = specRoot
        self.maxBytes = maxBytes
    }

    /// The content of `path`, relative to the spec root.
    public func read(_ path: String) throws(GitSourceError) -> [UInt8] {
        let relative: String
        switch RepoPath.normalize(path) {
        case .success(let normalized): relative = normalized
        case .failure(let error): throw .invalidPath(path, reason: error.message)
        }
        let full = specRoot.isEmpty ? relative : "\(specRoot)/\(relative)"
        let repository = try GitRepository.open(gitDirectory, display: gitDirectory)
        guard let id = ObjectID(hex: commit), let commit = try repository.commit(id) else {
            throw .revisionNotFound(commit, repository: gitDirectory)
        }
        switch try TreePath.find(full, from: commit.tree(), in: repository) {
        case .notFound: throw .fileNotFound(path: full, commit: self.commit)
        case .folder: throw .folder(path: full)
        case .symlink(let at): throw .symlink(path: at)
        case .submodule(let at): throw .submodule(path: at)
        case .file(let entry):
            let size = try repository.odb().header(entry.id).size
            guard size <= maxBytes else { throw .fileTooLarge(path: full, size: size, limit: maxBytes) }
            return try repository.blob(entry.id).bytes
        }
    }
}
