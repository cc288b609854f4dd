import KilnSpec

/// Builds snapshots from YAML text in memory, for tests of everything downstream of the spec model.
public enum SnapshotFixture {
    /// Files of a spec root (path → content), including the scripts that specs name.
    public static func load(
        _ files: [String: String], revision: Revision? = nil
    ) -> Result<Snapshot, SnapshotAssembler.Failure> {
        let parsed = files.keys.sorted().filter(SourceLimits.isSpecFile).map { path in
            DocumentParser.parse(path: path, text: files[path]!)
        }
        return SnapshotAssembler.assemble(files: parsed, tree: MemoryTree(files: files), revision: revision)
    }

    /// Like ``load(_:revision:)`` but stops the test run on invalid input, naming the errors.
    public static func snapshot(
        _ files: [String: String], commit: String = "c1", author: String = "Test Author",
        message: String = "test commit"
    ) -> Snapshot {
        switch load(files, revision: Revision(id: commit, author: author, message: message)) {
        case .success(let snapshot): return snapshot
        case .failure(let failure):
            preconditionFailure("fixture is invalid:\n" + failure.errors.map(\.description).joined(separator: "\n"))
        }
    }
}

/// A spec root held in memory.
public struct MemoryTree: TreeReader, SpecFileReader {
    public var files: [String: String]

    public init(files: [String: String]) { self.files = files }

    public func entry(at path: String) -> TreeEntry? {
        if let content = files[path] { return TreeEntry(type: .file, digest: Digest.sha256Hex(content)) }
        if files.keys.contains(where: { $0.hasPrefix(path + "/") }) { return TreeEntry(type: .directory, digest: nil) }
        return nil
    }

    public func read(_ path: String) throws -> [UInt8] {
        guard let content = files[path] else { throw MemoryTreeError(path: path) }
        return Array(content.utf8)
    }

    public func contents(at path: String, limit: Int) -> TreeFileContents? {
        guard let content = files[path] else { return nil }
        return content.utf8.count > limit ? .tooLarge(content.utf8.count) : .bytes(Array(content.utf8))
    }

    public func displayPath(_ path: String) -> String { path }
}

struct MemoryTreeError: Error, CustomStringConvertible {
    var path: String
    var description: String { "no file \(path)" }
}
