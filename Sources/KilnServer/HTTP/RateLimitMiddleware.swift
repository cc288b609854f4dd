import Dispatch
import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// A per-client rate limit (a token bucket per peer address): past it, 429 with `Retry-After`. The number of buckets is
/// bounded; idle ones are dropped first.
final class RateLimiter: Sendable {
    struct Limit: Sendable, Hashable {
        /// Requests per second, sustained.
        var rate: Double
        /// Requests allowed at once.
        var burst: Double
    }

    let limit: Limit
    let maxClients: Int
    private let buckets = Mutex<[String: TokenBucket]>([:])

    init(_ limit: Limit, maxClients: Int = 10_000) {
        self.limit = limit
        self.maxClients = maxClients
    }

    /// nil when allowed; otherwise the seconds to wait.
    func check(client: String, now: Double) -> Double? {
        buckets.withLock { buckets in
            if buckets[client] == nil, buckets.count >= maxClients {
                // Full buckets carry no state worth keeping.
                buckets = buckets.filter { $0.value.tokens < $0.value.burst - 1 || $0.value.updated > now - 60 }
                if buckets.count >= maxClients { buckets.removeAll(keepingCapacity: true) }
            }
            var bucket = buckets[client] ?? TokenBucket(rate: limit.rate, burst: limit.burst, now: now)
            let wait = bucket.take(now: now)
            buckets[client] = bucket
            return wait
        }
    }
}

struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = KilnRequestContext
    let limiter: RateLimiter

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if request.uri.path == "/healthz" { return try await next(request, context) }
        let client = context.remoteAddress?.ipAddress ?? "unknown"
        let now = Double(DispatchTime.now().uptimeNanoseconds) / 1e9
        if let wait = limiter.check(client: client, now: now) {
            let seconds = max(1, Int(wait.rounded(.up)))
            throw APIError(
                .tooManyRequests, code: "rate-limited",
                "too many requests from \(client) (the limit is \(limiter.limit.rate.formatted()) per second); retry in \(seconds) s",
                headers: [.retryAfter: String(seconds)])
        }
        return try await next(request, context)
    }
}
