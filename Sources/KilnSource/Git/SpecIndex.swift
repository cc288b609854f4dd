import KilnSpec

/// Every entry of a commit's spec root, by path relative to it: what `TreeLookup` asks is a dictionary lookup, and a
/// diff between two commits updates it in place.
///
/// Folders are not stored as entries (a tree diff reports files only); a path is a folder while entries lie under it.
struct SpecIndex {
    struct Entry: Hashable {
        var mode: EntryMode
        var id: ObjectID
    }

    private(set) var entries: [String: Entry] = [:]
    private var folderCounts: [Substring: Int] = [:]

    var count: Int { entries.count }

    subscript(path: String) -> Entry? { entries[path] }

    mutating func insert(_ path: String, _ entry: Entry) {
        if entries.updateValue(entry, forKey: path) == nil {
            for folder in Self.folders(of: path) { folderCounts[folder, default: 0] += 1 }
        }
    }

    @discardableResult
    mutating func remove(_ path: String) -> Entry? {
        guard let old = entries.removeValue(forKey: path) else { return nil }
        for folder in Self.folders(of: path) {
            let left = folderCounts[folder, default: 1] - 1
            folderCounts[folder] = left == 0 ? nil : left
        }
        return old
    }

    func isFolder(_ path: String) -> Bool {
        path.isEmpty || folderCounts[Substring(path)] != nil
    }

    /// The folders that hold `path`: `a/b/c` → `a`, `a/b`.
    private static func folders(of path: String) -> [Substring] {
        var out: [Substring] = []
        var index = path.startIndex
        while let slash = path[index...].firstIndex(of: "/") {
            out.append(path[..<slash])
            index = path.index(after: slash)
        }
        return out
    }
}

extension SpecIndex: TreeLookup {
    /// A file or link at `path`, a folder, or what stands in the way: a symlink or a submodule on the path is
    /// reported as such, so a script path through `link/` or `submodule/` is refused rather than not found.
    func entry(at path: String) -> TreeEntry? {
        if let entry = entries[path] {
            return TreeEntry(type: entry.mode.treeEntryType, digest: entry.mode.isFile ? entry.id.hex : nil)
        }
        if isFolder(path) { return TreeEntry(type: .directory, digest: nil) }
        var index = path.startIndex
        while let slash = path[index...].firstIndex(of: "/") {
            if let blocker = entries[String(path[..<slash])] {
                switch blocker.mode {
                case .symlink: return TreeEntry(type: .symlink, digest: nil)
                case .submodule: return TreeEntry(type: .submodule, digest: nil)
                default: return nil
                }
            }
            index = path.index(after: slash)
        }
        return nil
    }
}
