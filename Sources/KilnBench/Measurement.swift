/// Wall-clock timings of repeated runs, summarised by their median.
struct Measurement {
    var samples: [Duration] = []

    @discardableResult
    mutating func time<T>(_ body: () throws -> T) rethrows -> T {
        let start = ContinuousClock.now
        let value = try body()
        samples.append(ContinuousClock.now - start)
        return value
    }

    @discardableResult
    mutating func time<T>(_ body: () async throws -> T) async rethrows -> T {
        let start = ContinuousClock.now
        let value = try await body()
        samples.append(ContinuousClock.now - start)
        return value
    }

    var median: Duration {
        let sorted = samples.sorted()
        guard !sorted.isEmpty else { return .zero }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    var milliseconds: Double { median.milliseconds }
}

extension Duration {
    var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}
