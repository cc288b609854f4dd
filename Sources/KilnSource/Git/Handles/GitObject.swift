import CGit2

/// Any object (`git_object`), as a revision lookup finds it before it is known to be a commit.
final class GitObject {
    let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit { git_object_free(pointer) }

    var typeName: String {
        String(cString: git_object_type2string(git_object_type(pointer)))
    }

    /// The commit this object is or points at (through annotated tags), or nil for a tree or a blob.
    func peeledToCommit() throws(GitSourceError) -> ObjectID? {
        var out: OpaquePointer?
        let code = git_object_peel(&out, pointer, GIT_OBJECT_COMMIT)
        if code == GIT_EINVALIDSPEC.rawValue || code == GIT_ENOTFOUND.rawValue || code == GIT_EPEEL.rawValue {
            return nil
        }
        try check(code, "peel an object to a commit")
        defer { git_object_free(out) }
        return ObjectID(git_object_id(out!))
    }
}
