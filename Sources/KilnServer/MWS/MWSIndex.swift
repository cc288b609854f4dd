import KilnQuery
import KilnSpec
import Synchronization

/// Inverted indexes over one snapshot's MWS documents, built the first time a query asks for a path and kept until
/// the snapshot is replaced: for each scalar a path reaches (or an array element there), the documents that hold it,
/// in document order. Equality and `$in` conditions then pick their candidates in time proportional to the matches,
/// not to the catalog; every candidate is still checked against the whole query, so answers are exactly what a scan
/// gives.
final class MWSIndex: Sendable {
    /// A scalar as the query language compares it: numbers by value (`1` equals `1.0`).
    enum Key: Hashable, Sendable {
        case string(String)
        case number(Double)
        case bool(Bool)

        init?(_ value: SpecValue) {
            switch value {
            case .string(let s): self = .string(s)
            case .int(let i): self = .number(Double(i))
            case .double(let d): self = .number(d)
            case .bool(let b): self = .bool(b)
            default: return nil
            }
        }
    }

    typealias Postings = [Key: [Int32]]

    /// At most this many paths are indexed per snapshot; beyond, queries scan.
    static let maxPaths = 32

    private let documents: [SpecValue]
    private let built = Mutex<[[String]: Postings]>([:])

    init(documents: [SpecValue]) {
        self.documents = documents
    }

    /// The documents a path's postings list for `key`, or nil when the path cannot be indexed now.
    func postings(_ path: [String]) -> Postings? {
        if let found = built.withLock({ $0[path] }) { return found }
        guard built.withLock({ $0.count }) < Self.maxPaths else { return nil }
        var postings: Postings = [:]
        for (i, document) in documents.enumerated() {
            var seen = Set<Key>()
            _ = MWSQuery.visit(path[...], in: document) { value in
                if let key = Key(value) { seen.insert(key) }
                if case .list(let items) = value { for item in items { if let key = Key(item) { seen.insert(key) } } }
                return false
            }
            for key in seen { postings[key, default: []].append(Int32(i)) }
        }
        built.withLock { $0[path] = postings }
        return postings
    }

    /// Candidate documents for `query`, in document order, or nil when it has no indexable part (then: scan).
    /// `exact` says the index answered every condition of the query, so the candidates are the answer.
    func candidates(_ query: MWSQuery) -> (documents: [Int32], exact: Bool)? {
        var sets: [[Int32]] = []
        var exact = true
        func indexable(_ part: MWSQuery) -> [Int32]? {
            guard case .field(let path, let conditions) = part else {
                exact = false
                return nil
            }
            var found: [Int32]?
            for condition in conditions {
                let wanted: [SpecValue]
                switch condition {
                case .equal(let value): wanted = [value]
                case .oneOf(let values): wanted = values
                default:
                    exact = false
                    continue
                }
                let keys = wanted.compactMap(Key.init)
                // A null, an object or an array in the condition is matched by a scan.
                guard found == nil, keys.count == wanted.count, let postings = postings(path) else {
                    exact = false
                    continue
                }
                found = Self.union(keys.map { postings[$0] ?? [] })
            }
            return found
        }
        switch query {
        case .field: if let set = indexable(query) { sets.append(set) }
        case .all(let parts): sets = parts.compactMap(indexable)
        case .any: exact = false
        }
        guard var result = sets.first else { return nil }
        for set in sets.dropFirst() { result = Self.intersect(result, set) }
        return (result, exact)
    }

    /// The union of sorted lists, sorted.
    static func union(_ lists: [[Int32]]) -> [Int32] {
        lists.dropFirst().reduce(lists.first ?? []) { a, b in
            var out: [Int32] = []
            out.reserveCapacity(a.count + b.count)
            var (i, j) = (0, 0)
            while i < a.count || j < b.count {
                if j == b.count || (i < a.count && a[i] < b[j]) {
                    out.append(a[i])
                    i += 1
                } else if i == a.count || b[j] < a[i] {
                    out.append(b[j])
                    j += 1
                } else {
                    out.append(a[i])
                    i += 1
                    j += 1
                }
            }
            return out
        }
    }

    static func intersect(_ a: [Int32], _ b: [Int32]) -> [Int32] {
        var out: [Int32] = []
        var (i, j) = (0, 0)
        while i < a.count, j < b.count {
            if a[i] == b[j] {
                out.append(a[i])
                i += 1
                j += 1
            } else if a[i] < b[j] {
                i += 1
            } else {
                j += 1
            }
        }
        return out
    }
}
