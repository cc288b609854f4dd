/// Runs `work` over `items` with at most `limit` running at once, and returns the results in the items' order.
func boundedMap<Item: Sendable, Result: Sendable>(
    _ items: [Item], limit: Int, _ work: @escaping @Sendable (Item) async -> Result
) async -> [Result] {
    guard !items.isEmpty else { return [] }
    return await withTaskGroup(of: (Int, Result).self) { group in
        var results = [Result?](repeating: nil, count: items.count)
        var next = 0
        while next < min(max(1, limit), items.count) {
            let i = next
            group.addTask { (i, await work(items[i])) }
            next += 1
        }
        while let (i, result) = await group.next() {
            results[i] = result
            if next < items.count {
                let j = next
                group.addTask { (j, await work(items[j])) }
                next += 1
            }
        }
        return results.map { $0! }
    }
}
