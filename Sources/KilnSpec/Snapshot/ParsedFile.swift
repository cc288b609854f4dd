/// What one spec file gave: its valid objects and its errors. A file is parsed on its own, so the result can be
/// cached by the file's content (a git blob id) and reused while the file does not change.
public struct ParsedFile: Sendable {
    public var path: String
    public var objects: [SpecObject]
    public var errors: [SpecError]
    /// Every object the file declares with a valid kind and name, valid or not, with where its name is: so that a
    /// reference to an object whose spec has an error is not reported as a reference to nothing.
    public var declared: [DeclaredObject]
    /// Size of the file in bytes, for the per-commit cap.
    public var size: Int
    /// For a `hosts.yaml` without errors: what it says.
    public var hosts: HostsFile?

    public init(path: String, objects: [SpecObject], errors: [SpecError], declared: [DeclaredObject], size: Int) {
        self.path = path
        self.objects = objects
        self.errors = errors
        self.declared = declared
        self.size = size
    }
}

/// A kind and name written in a file, and where.
public struct DeclaredObject: Sendable, Hashable {
    public var key: ObjectKey
    public var file: String
    public var line: Int
    public var column: Int
}
