/// A YAML file that cannot be read, with where and why.
public struct YAMLError: Error, Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var mark: Mark
    public var message: String

    public init(file: String, mark: Mark, message: String) {
        self.file = file
        self.mark = mark
        self.message = message
    }

    public var description: String { "\(file):\(mark): \(message)" }
}
