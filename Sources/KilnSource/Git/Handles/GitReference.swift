import CGit2

/// A reference (`git_reference`): a branch, a tag, `HEAD`.
final class GitReference {
    let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit { git_reference_free(pointer) }

    /// The reference a symbolic reference points at (`HEAD` → `refs/heads/main`), or nil for a direct one.
    var symbolicTarget: String? {
        guard git_reference_type(pointer) == GIT_REFERENCE_SYMBOLIC, let target = git_reference_symbolic_target(pointer)
        else {
            return nil
        }
        return String(cString: target)
    }

    /// The commit the reference leads to (through symbolic references and annotated tags); nil when it leads to
    /// nothing (an unborn branch) or to something other than a commit.
    func commit() throws(GitSourceError) -> ObjectID? {
        var out: OpaquePointer?
        let code = git_reference_peel(&out, pointer, GIT_OBJECT_COMMIT)
        if code == GIT_ENOTFOUND.rawValue || code == GIT_EPEEL.rawValue || code == GIT_EINVALIDSPEC.rawValue {
            return nil
        }
        try check(code, "resolve \(String(cString: git_reference_name(pointer)))")
        defer { git_object_free(out) }
        return ObjectID(git_object_id(out!))
    }

    /// Whether `name` is a well-formed full reference name (`refs/heads/x`): this refuses `..`, `~`, `^`, `:`, `?`,
    /// `*`, `[`, `\`, spaces, control characters, `@{` and a trailing `.lock` or `/`.
    static func isValidName(_ name: String) -> Bool {
        var valid: Int32 = 0
        return git_reference_name_is_valid(&valid, name) == 0 && valid == 1
    }
}
