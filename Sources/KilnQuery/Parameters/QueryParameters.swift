/// A request's query string, read the way form-encoding clients write it (`+` is a space, `%XX` an escaped byte),
/// tolerant of what real scripts send: a trailing `&`, empty pairs (`a=1&&b=2`), and empty values, which count as
/// absent. Pure, so that every quirk is table-tested.
public struct QueryParameters: Sendable {
    /// Decoded pairs in request order; a repeated name keeps every value.
    public private(set) var pairs: [(name: String, value: String)] = []

    public init(_ query: String?) throws(QueryParameterError) {
        guard let query, !query.isEmpty else { return }
        for segment in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = segment.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]) else {
                throw QueryParameterError(
                    name: nil, problem: "the query string has a malformed %-escape in a parameter name")
            }
            guard let value = parts.count > 1 ? Self.decode(parts[1]) : "" else {
                throw QueryParameterError(name: name, problem: "malformed %-escape")
            }
            if !name.isEmpty { pairs.append((name, value)) }
        }
    }

    /// The last non-empty value of `name`.
    public subscript(name: String) -> String? {
        pairs.last { $0.name == name && !$0.value.isEmpty }?.value
    }

    /// Every parameter name given, non-empty values only.
    public var names: Set<String> { Set(pairs.filter { !$0.value.isEmpty }.map(\.name)) }

    /// An integer parameter within `range`, or `defaultValue` when absent.
    public func int(
        _ name: String, default defaultValue: Int, in range: ClosedRange<Int>
    ) throws(QueryParameterError) -> Int {
        guard let text = self[name] else { return defaultValue }
        guard let value = Int(text) else {
            throw QueryParameterError(name: name, problem: "must be a whole number (got \(Self.echo(text)))")
        }
        guard range.contains(value) else {
            throw QueryParameterError(
                name: name, problem: "must be between \(range.lowerBound) and \(range.upperBound) (got \(value))")
        }
        return value
    }

    /// A boolean parameter (`true`/`false`, `1`/`0`), or `defaultValue` when absent.
    public func bool(_ name: String, default defaultValue: Bool) throws(QueryParameterError) -> Bool {
        guard let text = self[name] else { return defaultValue }
        switch text.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw QueryParameterError(name: name, problem: "must be true or false (got \(Self.echo(text)))")
        }
    }

    /// One of `choices`, or nil when absent.
    public func choice(_ name: String, _ choices: [String]) throws(QueryParameterError) -> String? {
        guard let text = self[name] else { return nil }
        guard choices.contains(text) else {
            throw QueryParameterError(
                name: name, problem: "must be one of \(choices.joined(separator: ", ")) (got \(Self.echo(text)))")
        }
        return text
    }

    /// A value shown back in an error, cut short so that an error never echoes a huge input.
    /// Cut by Unicode scalars, not characters: one character can hold thousands of combining marks.
    public static func echo(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard scalars.count > 40 else { return text }
        return String(String.UnicodeScalarView(scalars.prefix(40))) + "…"
    }

    /// Form decoding: `+` is a space and `%XX` a byte; the bytes must be UTF-8.
    static func decode(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    return nil
                }
                bytes.append(high << 4 | low)
            default: bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
