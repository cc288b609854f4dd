import Hummingbird
import KilnQuery

/// Registers read routes: each answers from the read model's current snapshot, and the rendered answer is cached for
/// that snapshot's generation, keyed by the request (and by what the answer varies with).
struct ReadRoutes: Sendable {
    /// What besides the path and query an answer depends on.
    struct Vary: OptionSet, Sendable {
        let rawValue: Int
        /// Absolute links built from the `Host` header.
        static let host = Vary(rawValue: 1)
        /// Content negotiation on `Accept`.
        static let accept = Vary(rawValue: 2)
    }

    let model: ReadModel
    let cache: ResponseCache

    /// The current snapshot; the very first request reads the catalog itself rather than answering from nothing.
    func snapshot() async throws -> ReadSnapshot {
        let snapshot = model.snapshot
        if snapshot.generation > 0 { return snapshot }
        try await model.refresh()
        return model.snapshot
    }

    func get(
        _ router: Router<KilnRequestContext>, _ path: RouterPath, vary: Vary = [],
        _ render: @escaping @Sendable (ReadRequest) throws(APIError) -> Rendered
    ) {
        router.get(path) { request, context in
            let snapshot = try await snapshot()
            var key = request.uri.description
            if vary.contains(.host) { key += "|h=" + (request.head.authority ?? "") }
            if vary.contains(.accept) { key += "|a=" + (request.headers[.accept] ?? "") }
            if let hit = cache.get(key, generation: snapshot.generation) { return hit.response(to: request) }
            let query: QueryParameters
            do throws(QueryParameterError) { query = try QueryParameters(request.uri.query) } catch {
                throw APIError(error)
            }
            let read = ReadRequest(request: request, context: context, snapshot: snapshot, query: query)
            let rendered = try render(read)
            if rendered.status == .ok { cache.put(key, generation: snapshot.generation, rendered) }
            return rendered.response(to: request)
        }
    }
}
