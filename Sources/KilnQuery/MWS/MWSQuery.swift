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

    /// Whether a document matches. Allocation-free: paths are walked with visitors that stop at the first answer,
    /// so a query over 50,000 documents costs lookups, not arrays.
    public func matches(_ document: SpecValue) -> Bool {
        switch self {
        case .all(let parts): parts.allSatisfy { $0.matches(document) }
        case .any(let parts): parts.contains { $0.matches(document) }
        case .field(let path, let conditions): conditions.allSatisfy { Self.holds($0, at: path[...], in: document) }
        }
    }

    /// The values a path reaches, as MongoDB walks it: through objects by key, and through arrays into each element.
    /// Empty when the path reaches nothing.
    static func values(at path: ArraySlice<String>, in value: SpecValue) -> [SpecValue] {
        var out: [SpecValue] = []
        _ = visit(path, in: value) {
            out.append($0)
            return false
        }
        return out
    }

    /// The first value a path reaches, if any.
    static func first(at path: ArraySlice<String>, in value: SpecValue) -> SpecValue? {
        var found: SpecValue?
        _ = visit(path, in: value) {
            found = $0
            return true
        }
        return found
    }

    /// Calls `body` with each value `path` reaches until it returns true; returns whether it did.
    package static func visit(_ path: ArraySlice<String>, in value: SpecValue, _ body: (SpecValue) -> Bool) -> Bool {
        guard let key = path.first else { return body(value) }
        switch value {
        case .object(let fields):
            guard let child = fields[key] else { return false }
            return visit(path.dropFirst(), in: child, body)
        case .list(let items):
            if let index = Int(key), items.indices.contains(index) {
                return visit(path.dropFirst(), in: items[index], body)
            }
            return items.contains { item in
                if case .object = item { return visit(path, in: item, body) }
                return false
            }
        default:
            return false
        }
    }

    /// Whether `test` holds for a value the path reaches or, for an array, for one of its elements.
    static func anyCandidate(_ path: ArraySlice<String>, in document: SpecValue, _ test: (SpecValue) -> Bool) -> Bool {
        visit(path, in: document) { value in
            if test(value) { return true }
            if case .list(let items) = value { return items.contains(where: test) }
            return false
        }
    }

    static func exists(_ path: ArraySlice<String>, in document: SpecValue) -> Bool {
        visit(path, in: document) { _ in true }
    }

    static func holds(_ condition: Condition, at path: ArraySlice<String>, in document: SpecValue) -> Bool {
        switch condition {
        case .equal(let wanted):
            if wanted == .null, !exists(path, in: document) { return true }
            return anyCandidate(path, in: document) { equal($0, wanted) }
        case .notEqual(let wanted):
            return !holds(.equal(wanted), at: path, in: document)
        case .oneOf(let list):
            if list.contains(.null), !exists(path, in: document) { return true }
            return anyCandidate(path, in: document) { value in list.contains { equal(value, $0) } }
        case .noneOf(let list):
            return !holds(.oneOf(list), at: path, in: document)
        case .exists(let wanted):
            return exists(path, in: document) == wanted
        case .regex(let regex):
            return anyCandidate(path, in: document) { if case .string(let s) = $0 { regex.matches(s) } else { false } }
        case .greater(let bound, let orEqual):
            return anyCandidate(path, in: document) { value in
                guard let order = compare(value, bound) else { return false }
                return order > 0 || (orEqual && order == 0)
            }
        case .less(let bound, let orEqual):
            return anyCandidate(path, in: document) { value in
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
