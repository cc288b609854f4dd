import KilnSpec

/// An MWS `sort` (`{"name": -1}`, several keys in order): compares documents field by field, as MongoDB orders mixed
/// types (missing and null, then numbers, strings, objects, arrays, booleans).
public struct MWSSort: Sendable {
    public var keys: [(path: [String], ascending: Bool)]

    public init(keys: [(path: [String], ascending: Bool)]) {
        self.keys = keys
    }

    public static func parse(_ text: String) throws(MWSQueryParser.Failure) -> MWSSort {
        let json: JSONValue
        do {
            json = try JSONReader.parse(text)
        } catch {
            throw MWSQueryParser.Failure(message: "is not valid JSON: \(error)")
        }
        guard case .object(let fields) = json else {
            throw MWSQueryParser.Failure(message: "must be a JSON object such as {\"name\": 1}, not \(json.typeName)")
        }
        var keys: [(path: [String], ascending: Bool)] = []
        for (key, value) in fields {
            guard !key.isEmpty, !key.hasPrefix("$") else {
                throw MWSQueryParser.Failure(message: "\"\(key)\" is not a field to sort on")
            }
            switch value {
            case .int(1): keys.append((key.split(separator: ".").map(String.init), true))
            case .int(-1): keys.append((key.split(separator: ".").map(String.init), false))
            default: throw MWSQueryParser.Failure(message: "the direction of \(key) must be 1 or -1")
            }
        }
        return MWSSort(keys: keys)
    }

    /// Sorting by name ascending alone keeps the read model's order, which already is by name.
    public var isByNameAscending: Bool {
        keys.isEmpty || (keys.count == 1 && keys[0].path == ["name"] && keys[0].ascending)
    }

    public func less(_ a: SpecValue, _ b: SpecValue) -> Bool {
        less(sortValues(a), sortValues(b))
    }

    /// A document's values for each sort key, in order (null where a path reaches nothing): computed once per
    /// document, then compared.
    public func sortValues(_ document: SpecValue) -> [SpecValue] {
        keys.map { MWSQuery.first(at: $0.path[...], in: document) ?? .null }
    }

    public func less(_ a: [SpecValue], _ b: [SpecValue]) -> Bool {
        for (i, key) in keys.enumerated() {
            let order = Self.order(a[i], b[i])
            if order != 0 { return key.ascending ? order < 0 : order > 0 }
        }
        return false
    }

    static func rank(_ v: SpecValue) -> Int {
        switch v {
        case .null: 0
        case .int, .double: 1
        case .string: 2
        case .object: 3
        case .list: 4
        case .bool: 5
        }
    }

    static func order(_ a: SpecValue, _ b: SpecValue) -> Int {
        let (ra, rb) = (rank(a), rank(b))
        if ra != rb { return ra < rb ? -1 : 1 }
        if let c = MWSQuery.compare(a, b) { return c }
        // Objects and arrays: by their canonical text, a total order that equal values share.
        let (ta, tb) = (a.canonicalJSON, b.canonicalJSON)
        return ta < tb ? -1 : (ta > tb ? 1 : 0)
    }
}
