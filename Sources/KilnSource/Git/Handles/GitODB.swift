import CGit2

/// A repository's object database (`git_odb`): object sizes without inflating them.
final class GitODB {
    let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit { git_odb_free(pointer) }

    /// The size and type of an object, read from its header (for a packed delta, from the delta's header) without
    /// inflating the object: so a 10 GB blob is refused before a byte of it is read.
    func header(_ id: ObjectID) throws(GitSourceError) -> (size: Int, type: git_object_t) {
        var size = 0
        var type = GIT_OBJECT_INVALID
        try id.withOID { oid throws(GitSourceError) in
            try check(git_odb_read_header(&size, &type, pointer, oid), "read the header of \(id)")
        }
        return (size, type)
    }
}
