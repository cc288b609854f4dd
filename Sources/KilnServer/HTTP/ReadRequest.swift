import Hummingbird
import KilnQuery

/// What a read route works from: the request, its parsed query, and the read-model snapshot it is answered from.
public struct ReadRequest: Sendable {
    public let request: Request
    public let context: KilnRequestContext
    public let snapshot: ReadSnapshot
    public let query: QueryParameters

    /// A path parameter (always present when the route matched).
    public func parameter(_ name: String) -> String {
        context.parameters.get(name) ?? ""
    }

    /// A parameter read through ``QueryParameters``, its failure answered as 400.
    public func choice(_ name: String, _ choices: [String]) throws(APIError) -> String? {
        do { return try query.choice(name, choices) } catch { throw APIError(error) }
    }

    public func int(_ name: String, default defaultValue: Int, in range: ClosedRange<Int>) throws(APIError) -> Int {
        do { return try query.int(name, default: defaultValue, in: range) } catch { throw APIError(error) }
    }

    /// `max` and `offset`.
    public func paging() throws(APIError) -> Paging {
        do { return try Paging(query) } catch { throw APIError(error) }
    }

    /// `http://HOST[:PORT]` as the client addressed the server, for the absolute links some clients follow
    /// (Deltacloud). A `Host` header with anything but host characters is not echoed: the listen address stands in.
    public var baseURL: String {
        BaseURL.from(host: request.head.authority, fallback: "127.0.0.1")
    }
}

/// Absolute URLs from a `Host` header, safely.
enum BaseURL {
    static func from(host: String?, fallback: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]")
        guard let host, !host.isEmpty, host.count <= 255, host.allSatisfy(allowed.contains) else {
            return "http://\(fallback)"
        }
        return "http://\(host)"
    }
}
