import CGit2

/// The file-level changes between two trees (`git_diff`).
final class GitDiff {
    let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit { git_diff_free(pointer) }

    /// One side of a change: a path relative to the diffed trees, its mode and id.
    struct Side {
        var path: String
        var mode: UInt32
        var id: ObjectID
    }

    /// One changed path: what was there before (nil when added) and what is there now (nil when deleted).
    struct Change {
        var old: Side?
        var new: Side?
    }

    var changes: [Change] {
        (0..<git_diff_num_deltas(pointer)).compactMap { i in
            guard let delta = git_diff_get_delta(pointer, i)?.pointee else { return nil }
            func side(_ file: git_diff_file) -> Side {
                Side(path: String(cString: file.path), mode: UInt32(file.mode), id: ObjectID(file.id))
            }
            switch delta.status {
            case GIT_DELTA_ADDED, GIT_DELTA_COPIED: return Change(old: nil, new: side(delta.new_file))
            case GIT_DELTA_DELETED: return Change(old: side(delta.old_file), new: nil)
            case GIT_DELTA_MODIFIED, GIT_DELTA_TYPECHANGE, GIT_DELTA_RENAMED:
                return Change(old: side(delta.old_file), new: side(delta.new_file))
            default: return nil
            }
        }
    }
}
