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

    var median: Duration { samples.isEmpty ? .zero : .seconds(samples.map(seconds).median) }

    var milliseconds: Double { median.milliseconds }

    var runs: Int { samples.count }
}

extension Duration {
    var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}

extension Array where Element == Double {
    /// The middle value, or the mean of the two middle ones for an even count (NaN for none): the one summary every
    /// benchmark reports.
    var median: Double {
        let sorted = self.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted.count % 2 == 1
            ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}

/// A duration in seconds.
func seconds(_ duration: Duration) -> Double {
    let (whole, fraction) = duration.components
    return Double(whole) + Double(fraction) / 1e18
}
