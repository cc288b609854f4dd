import KilnSpec

/// An MWS `query` (MongoDB query syntax) as a tree: fields with conditions, combined by `$and` / `$or`.
public indirect enum MWSQuery: Sendable {
    case all([MWSQuery])
    case any([MWSQuery])
    /// A dotted field path (`extensions.xcat.os`) and the conditions its value must meet (all of them).
    case field([String], [Condition])

    public enum Condition: Sendable {
        case equal(SpecValue)
        case notEqual(SpecValue)
        case oneOf([SpecValue])
        case noneOf([SpecValue])
        case exists(Bool)
        case regex(BoundedRegex)
        case greater(SpecValue, orEqual: Bool)
        case less(SpecValue, orEqual: Bool)
    }

    /// Everything matches the empty query.
    public static let everything = MWSQuery.all([])

    /// Whether a document matches.
    public func matches(_ document: SpecValue) -> Bool {
        switch self {
        case .all(let parts): parts.allSatisfy { $0.matches(document) }
        case .any(let parts): parts.contains { $0.matches(document) }
        case .field(let path, let conditions):
            conditions.allSatisfy { Self.holds($0, values: MWSQuery.values(at: path[...], in: document)) }
        }
    }

    /// The values a path reaches, as MongoDB walks it: through objects by key, and through arrays into each element.
    /// Empty when the path reaches nothing.
    static func values(at path: ArraySlice<String>, in value: SpecValue) -> [SpecValue] {
        guard let key = path.first else { return [value] }
        switch value {
        case .object(let fields):
            guard let child = fields[key] else { return [] }
            return values(at: path.dropFirst(), in: child)
        case .list(let items):
            if let index = Int(key), items.indices.contains(index) { return values(at: path.dropFirst(), in: items[index]) }
            return items.flatMap { item -> [SpecValue] in
                if case .object = item { return values(at: path, in: item) }
                return []
            }
        default:
            return []
        }
    }

    /// The values a condition compares: each value and, for an array, each of its elements too.
    static func candidates(_ values: [SpecValue]) -> [SpecValue] {
        values.flatMap { value -> [SpecValue] in
            if case .list(let items) = value { return [value] + items }
            return [value]
        }
    }

    static func holds(_ condition: Condition, values: [SpecValue]) -> Bool {
        switch condition {
        case .equal(let wanted):
            if wanted == .null, values.isEmpty { return true }
            return candidates(values).contains { equal($0, wanted) }
        case .notEqual(let wanted):
            return !holds(.equal(wanted), values: values)
        case .oneOf(let list):
            return list.contains { holds(.equal($0), values: values) }
        case .noneOf(let list):
            return !holds(.oneOf(list), values: values)
        case .exists(let wanted):
            return values.isEmpty != wanted
        case .regex(let regex):
            return candidates(values).contains { if case .string(let s) = $0 { regex.matches(s) } else { false } }
        case .greater(let bound, let orEqual):
            return candidates(values).contains { value in
                guard let order = compare(value, bound) else { return false }
                return order > 0 || (orEqual && order == 0)
            }
        case .less(let bound, let orEqual):
            return candidates(values).contains { value in
                guard let order = compare(value, bound) else { return false }
                return order < 0 || (orEqual && order == 0)
            }
        }
    }

    /// Equality with numbers compared by value (`1` equals `1.0`).
    static func equal(_ a: SpecValue, _ b: SpecValue) -> Bool {
        if let x = number(a), let y = number(b) { return x == y }
        return a == b
    }

    static func number(_ v: SpecValue) -> Double? {
        switch v {
        case .int(let i): Double(i)
        case .double(let d): d
        default: nil
        }
    }

    /// Order within one type (numbers with numbers, strings with strings); nil across types, as `$gt` then fails.
    static func compare(_ a: SpecValue, _ b: SpecValue) -> Int? {
        if let x = number(a), let y = number(b) { return x < y ? -1 : (x > y ? 1 : 0) }
        if case .string(let x) = a, case .string(let y) = b { return x < y ? -1 : (x > y ? 1 : 0) }
        if case .bool(let x) = a, case .bool(let y) = b { return x == y ? 0 : (x ? 1 : -1) }
        return nil
    }
}
