/// A position in a YAML source: 1-based line and column, 0-based byte offset.
public struct Mark: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var offset: Int

    public init(line: Int, column: Int, offset: Int = 0) {
        self.line = line
        self.column = column
        self.offset = offset
    }

    public var description: String { "\(line):\(column)" }

    public static func < (lhs: Mark, rhs: Mark) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }
}

/// How a scalar was written. A plain scalar may be read as a boolean, number or null by a schema that wants one;
/// a quoted or block scalar is always a string.
public enum ScalarStyle: Sendable, Hashable {
    case plain, singleQuoted, doubleQuoted, literal, folded
}

/// One node of a YAML document, with where it starts.
///
/// Scalars keep their text exactly as written: the loader never guesses types (no YAML 1.1 `yes`/`on` booleans);
/// the schema that reads a node decides what a scalar means.
public struct YAMLNode: Sendable {
    public indirect enum Value: Sendable {
        case scalar(String, ScalarStyle)
        case sequence([YAMLNode])
        /// Key order as written; keys are unique (the loader refuses duplicates).
        case mapping([Pair])
    }

    public struct Pair: Sendable {
        public var key: YAMLNode
        public var value: YAMLNode
        public init(key: YAMLNode, value: YAMLNode) {
            self.key = key
            self.value = value
        }
    }

    public var value: Value
    public var mark: Mark
    /// The explicit tag, when one was written (`!!str` is kept as `tag:yaml.org,2002:str`).
    public var tag: String?

    public init(_ value: Value, mark: Mark, tag: String? = nil) {
        self.value = value
        self.mark = mark
        self.tag = tag
    }

    /// The scalar text, when this node is a scalar.
    public var scalar: String? {
        if case .scalar(let text, _) = value { return text }
        return nil
    }

    /// True for a plain `null`, `~` or empty plain scalar, as YAML's core schema reads them.
    public var isNull: Bool {
        guard case .scalar(let text, .plain) = value, tag == nil || tag == YAMLTag.null else { return false }
        return text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL"
    }

    /// The pairs, when this node is a mapping.
    public var pairs: [Pair]? {
        if case .mapping(let pairs) = value { return pairs }
        return nil
    }

    /// The items, when this node is a sequence.
    public var items: [YAMLNode]? {
        if case .sequence(let items) = value { return items }
        return nil
    }

    /// A short name of the node's shape for error messages ("a mapping", "a list", "a string").
    public var shapeName: String {
        switch value {
        case .scalar: isNull ? "null" : "a scalar"
        case .sequence: "a list"
        case .mapping: "a mapping"
        }
    }
}

/// One document of a YAML stream.
public struct YAMLDocument: Sendable {
    /// The root node; nil for an empty document (a lone `---`).
    public var root: YAMLNode?
    /// Where the document starts.
    public var mark: Mark
    /// The 0-based index of the document in its file.
    public var index: Int
}

/// The tags Kiln accepts; any other explicit tag is refused.
public enum YAMLTag {
    public static let str = "tag:yaml.org,2002:str"
    public static let int = "tag:yaml.org,2002:int"
    public static let bool = "tag:yaml.org,2002:bool"
    public static let float = "tag:yaml.org,2002:float"
    public static let null = "tag:yaml.org,2002:null"
    public static let map = "tag:yaml.org,2002:map"
    public static let seq = "tag:yaml.org,2002:seq"
    static let known: Set<String> = [str, int, bool, float, null, map, seq, "!"]
}
