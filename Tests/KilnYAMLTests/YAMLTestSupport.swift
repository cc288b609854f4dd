import KilnYAML
import Testing

/// The file name every test loads under; errors name it.
let testFile = "t.yaml"

func load(_ text: String, limits: YAMLLimits = .default) -> YAMLLoader.Result {
    YAMLLoader.load(text, file: testFile, limits: limits)
}

func load(bytes: [UInt8], limits: YAMLLimits = .default) -> YAMLLoader.Result {
    YAMLLoader.load(bytes, file: testFile, limits: limits)
}

/// The rendered errors (`file:line:column: message`) of loading `text`.
func errors(_ text: String, limits: YAMLLimits = .default) -> [String] {
    load(text, limits: limits).errors.map(\.description)
}

func errors(bytes: [UInt8], limits: YAMLLimits = .default) -> [String] {
    load(bytes: bytes, limits: limits).errors.map(\.description)
}

/// Text, then raw bytes, then text: a file that is not valid UTF-8.
func bytes(_ before: String, _ raw: [UInt8], _ after: String = "") -> [UInt8] {
    Array(before.utf8) + raw + Array(after.utf8)
}

/// The root of the only document of `text`, which must load without errors.
func root(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> YAMLNode {
    let result = load(text)
    #expect(result.errors.isEmpty, "\(result.errors)", sourceLocation: sourceLocation)
    try #require(result.documents.count == 1, sourceLocation: sourceLocation)
    return try #require(result.documents[0].root, sourceLocation: sourceLocation)
}

extension YAMLNode {
    /// The value of a key of a mapping node.
    subscript(key: String) -> YAMLNode? {
        pairs?.first { $0.key.scalar == key }?.value
    }

    /// The style of a scalar node.
    var style: ScalarStyle? {
        if case .scalar(_, let style) = value { return style }
        return nil
    }
}
