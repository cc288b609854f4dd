/// A host path a script must not see, and whether it is a folder (masked with an empty tmpfs) or a file (masked
/// with `/dev/null`).
struct HiddenPath: Sendable, Hashable {
    var path: String
    var isDirectory: Bool
}
