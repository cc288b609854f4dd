import KilnSpec

/// JSON as a client wrote it: objects keep their key order (an MWS `sort` is ordered), numbers keep whether they had
/// a fraction. Parsed by ``JSONReader``.
public indirect enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool { a.specValue == b.specValue }

    public func hash(into hasher: inout Hasher) { hasher.combine(specValue) }

    /// The value as Kiln's own value type (objects lose their key order).
    public var specValue: SpecValue {
        switch self {
        case .null: .null
        case .bool(let b): .bool(b)
        case .int(let i): .int(i)
        case .double(let d): .double(d)
        case .string(let s): .string(s)
        case .array(let items): .list(items.map(\.specValue))
        case .object(let fields):
            .object(Dictionary(fields.map { ($0.key, $0.value.specValue) }, uniquingKeysWith: { _, last in last }))
        }
    }

    /// A short name of the value's type, for errors.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .int, .double: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
