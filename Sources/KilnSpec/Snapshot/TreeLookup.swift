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

/// A file's content as a ``TreeReader`` gives it: its bytes, or only its size when it is over the reader's limit.
public enum TreeFileContents: Sendable, Hashable {
    case bytes([UInt8])
    case tooLarge(Int)
}

/// A tree whose files can also be read (a commit's spec root, a folder): the assembler then checks the content of
/// files that specs name as data (a VM's cloud-init user-data), so a bad one stops the commit with `file:line:column`.
public protocol TreeReader: TreeLookup {
    /// The regular file at `path`, or nil when there is none; never more than `limit` bytes are read.
    func contents(at path: String, limit: Int) -> TreeFileContents?
    /// How errors name the file (its path from the repository's root).
    func displayPath(_ path: String) -> String
}
