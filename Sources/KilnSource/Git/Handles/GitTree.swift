import CGit2

/// A tree (`git_tree`): one folder of a commit.
final class GitTree {
    let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit { git_tree_free(pointer) }

    var id: ObjectID { ObjectID(git_tree_id(pointer)) }

    /// One entry of a tree, copied out of it.
    struct Entry {
        var name: String
        var mode: UInt32
        var id: ObjectID
    }

    var count: Int { git_tree_entrycount(pointer) }

    func entry(at index: Int) -> Entry {
        entry(git_tree_entry_byindex(pointer, index)!)
    }

    func entry(named name: String) -> Entry? {
        git_tree_entry_byname(pointer, name).map(entry)
    }

    private func entry(_ raw: OpaquePointer) -> Entry {
        Entry(
            name: String(cString: git_tree_entry_name(raw)), mode: git_tree_entry_filemode_raw(raw).rawValue,
            id: ObjectID(git_tree_entry_id(raw)))
    }
}
