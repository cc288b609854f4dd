import Dispatch
import Hummingbird
import Metrics
import Synchronization

/// Request metrics under the names and dimensions of Hummingbird's `MetricsMiddleware` (`hb.requests`,
/// `http.server.request.duration`, `hb.request.errors`, `http.server.active_requests`), taken when the handler returns
/// rather than once the body is written.
///
/// Learning when the body was written means wrapping it, and a wrapped body is a streamed one: NIO then sends a
/// buffered answer in two writes, each flushed on its own, instead of one. For an answer that really streams (a
/// download, the event stream, a followed log) the duration recorded is the time to its first byte.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics = RequestMetrics()

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        let active = metrics.active(request.method)
        active.increment()
        defer { active.decrement() }
        do {
            let response = try await next(request, context)
            let endpoint = metrics.endpoint(context.endpointPath ?? "Unknown", request.method, response.status)
            endpoint.requests.increment()
            endpoint.duration.recordNanoseconds(DispatchTime.now().uptimeNanoseconds - start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            let endpoint = metrics.endpoint(context.endpointPath ?? "NotFound", request.method, status)
            endpoint.requests.increment()
            endpoint.errors.increment()
            throw error
        }
    }
}

/// The metric handles of each route, method and status, made once: a swift-metrics handle is looked up in the
/// factory under a lock when it is made, which is too slow for every request.
final class RequestMetrics: Sendable {
    struct Endpoint: Sendable {
        let requests: Counter
        let duration: Metrics.Timer
        let errors: Counter
    }

    private struct Key: Hashable {
        let route: String
        let method: HTTPRequest.Method
        let status: Int
    }

    private let endpoints = Mutex<[Key: Endpoint]>([:])
    private let meters = Mutex<[HTTPRequest.Method: Meter]>([:])

    func endpoint(_ route: String, _ method: HTTPRequest.Method, _ status: HTTPResponse.Status) -> Endpoint {
        let key = Key(route: route, method: method, status: status.code)
        return endpoints.withLock { cache in
            if let known = cache[key] { return known }
            let dimensions = [
                ("http.route", route), ("http.request.method", method.rawValue),
                ("http.response.status_code", String(status.code))
            ]
            let made = Endpoint(
                requests: Counter(label: "hb.requests", dimensions: dimensions),
                duration: Metrics.Timer(
                    label: "http.server.request.duration", dimensions: dimensions, preferredDisplayUnit: .seconds),
                errors: Counter(
                    label: "hb.request.errors",
                    dimensions: [
                        ("http.route", route), ("http.request.method", method.rawValue),
                        ("error.type", String(status.code))
                    ]))
            cache[key] = made
            return made
        }
    }

    func active(_ method: HTTPRequest.Method) -> Meter {
        meters.withLock { cache in
            if let known = cache[method] { return known }
            let made = Meter(
                label: "http.server.active_requests", dimensions: [("http.request.method", method.rawValue)])
            cache[method] = made
            return made
        }
    }
}
