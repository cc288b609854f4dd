/// A token bucket: `burst` requests at once, refilled at `rate` per second. Pure (time is passed in), so its rules
/// are tested without waiting.
public struct TokenBucket: Sendable, Hashable {
    public var rate: Double
    public var burst: Double
    public private(set) var tokens: Double
    public private(set) var updated: Double

    public init(rate: Double, burst: Double, now: Double) {
        self.rate = rate
        self.burst = burst
        tokens = burst
        updated = now
    }

    /// Takes a token if there is one. Otherwise returns how many seconds until there will be.
    public mutating func take(now: Double) -> Double? {
        tokens = min(burst, tokens + max(0, now - updated) * rate)
        updated = max(updated, now)
        if tokens >= 1 {
            tokens -= 1
            return nil
        }
        return (1 - tokens) / rate
    }
}
