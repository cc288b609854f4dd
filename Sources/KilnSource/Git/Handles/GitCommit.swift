import CGit2
import KilnSpec

/// A commit (`git_commit`).
final class GitCommit {
    let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit { git_commit_free(pointer) }

    var id: ObjectID { ObjectID(git_commit_id(pointer)) }

    func tree() throws(GitSourceError) -> GitTree {
        var out: OpaquePointer?
        try check(git_commit_tree(&out, pointer), "read the tree of commit \(id)")
        return GitTree(out!)
    }

    /// Who wrote the commit, its full message and when it was committed (the committer's time, which moves when a
    /// commit is rebased or amended, unlike the author's).
    var revision: Revision {
        let author = git_commit_author(pointer)?.pointee
        return Revision(
            id: id.hex,
            author: author.flatMap { $0.name.map { String(cString: $0) } } ?? "",
            email: author.flatMap { $0.email.map { String(cString: $0) } } ?? "",
            message: git_commit_message(pointer).map { String(cString: $0) } ?? "",
            time: Int64(git_commit_time(pointer)))
    }
}
