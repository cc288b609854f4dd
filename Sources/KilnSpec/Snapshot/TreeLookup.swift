/// What a path of the spec root is, as a source sees it: the repository tree of a commit, or a folder on disk.
public struct TreeEntry: Sendable, Hashable {
    public enum EntryType: Sendable, Hashable {
        case file, executable, directory, symlink, submodule
    }

    public var type: EntryType
    /// A digest of a file's content (a git blob id, or a SHA-256 on disk): what a build depends on.
    public var digest: String?

    public init(type: EntryType, digest: String?) {
        self.type = type
        self.digest = digest
    }
}

/// Looks up paths relative to the spec root.
public protocol TreeLookup {
    func entry(at path: String) -> TreeEntry?
}
