/// `max` and `offset`, as Morpheus and MWS page: `max` defaults to 25 and is capped at 1,000 (a larger value is
/// served as 1,000, and the answer's `max` says so); `offset` must not be negative, and past the end gives an empty page.
public struct Paging: Sendable, Hashable {
    public static let defaultMax = 25
    public static let cap = 1000

    public var max: Int
    public var offset: Int

    public init(max: Int = Paging.defaultMax, offset: Int = 0) {
        self.max = max
        self.offset = offset
    }

    public init(_ query: QueryParameters) throws(QueryParameterError) {
        let asked = try query.int("max", default: Self.defaultMax, in: 1...Int.max)
        max = Swift.min(asked, Self.cap)
        offset = try query.int("offset", default: 0, in: 0...Int.max)
    }

    /// The page of `items`.
    public func page<T>(_ items: [T]) -> ArraySlice<T> {
        guard offset < items.count else { return [] }
        return items[offset..<Swift.min(items.count, offset + max)]
    }
}
