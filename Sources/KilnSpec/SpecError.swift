import KilnYAML

/// One reason a spec repository is invalid, with where it is: `file:line:column: field.path: message`.
public struct SpecError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The file, relative to the repository root.
    public var file: String
    public var line: Int
    public var column: Int
    /// The field path inside the document (`spec.scripts[1].phase`); empty for file-level problems.
    public var path: String
    public var message: String

    public init(file: String, line: Int, column: Int, path: String = "", message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.message = message
    }

    public init(file: String, mark: Mark, path: String = "", message: String) {
        self.init(file: file, line: mark.line, column: mark.column, path: path, message: message)
    }

    public init(_ yaml: YAMLError) {
        self.init(file: yaml.file, mark: yaml.mark, message: yaml.message)
    }

    public var location: String { "\(file):\(line):\(column)" }

    public var description: String {
        path.isEmpty ? "\(location): \(message)" : "\(location): \(path): \(message)"
    }

    /// Errors in reading order: by file, then line, then column.
    public static func sorted(_ errors: [SpecError]) -> [SpecError] {
        errors.sorted { ($0.file, $0.line, $0.column, $0.path) < ($1.file, $1.line, $1.column, $1.path) }
    }
}
