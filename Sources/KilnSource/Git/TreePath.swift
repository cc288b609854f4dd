/// Finds a path in a commit's tree one component at a time, so that a symlink or a submodule on the way is reported
/// as what it is and never followed.
enum TreePath {
    enum Outcome {
        case folder(GitTree)
        case file(GitTree.Entry)
        case symlink(at: String)
        case submodule(at: String)
        case notFound
    }

    static func find(_ path: String, from root: GitTree, in repository: GitRepository) throws(GitSourceError) -> Outcome
    {
        var tree = root
        var walked = ""
        let parts = path.split(separator: "/")
        for (i, part) in parts.enumerated() {
            walked = walked.isEmpty ? String(part) : walked + "/" + part
            guard let entry = tree.entry(named: String(part)) else { return .notFound }
            switch EntryMode(entry.mode) {
            case .symlink: return .symlink(at: walked)
            case .submodule: return .submodule(at: walked)
            case .file, .executable:
                return i == parts.count - 1 ? .file(entry) : .notFound
            case .folder:
                guard let next = try repository.tree(entry.id) else { return .notFound }
                tree = next
            }
        }
        return .folder(tree)
    }
}
