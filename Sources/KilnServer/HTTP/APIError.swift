import Hummingbird
import KilnQuery

/// An answer that is an error, in the shape every seed API's clients understand: `{"code": "...", "message": "..."}`
/// with the right status. The message says what was wrong and what to do; it never carries a host path or a trace.
public struct APIError: Error, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, code: String, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    /// 400: a query parameter is malformed; the message names it.
    public static func badParameter(_ name: String, _ problem: String) -> APIError {
        APIError(.badRequest, code: "bad-request", "query parameter \(name): \(problem)")
    }

    /// 400: the query string or one of its parameters is malformed; the message names it.
    public init(_ error: QueryParameterError) {
        self.init(.badRequest, code: "bad-request", error.message)
    }

    /// 404 with a per-family code (`image-build-not-found`, `image-not-found`, `vm-not-found`).
    public static func notFound(_ code: String, _ message: String) -> APIError {
        APIError(.notFound, code: code, message)
    }

    var response: Response {
        var response = JSONResponse.error(code, message, status: status)
        for field in headers { response.headers.append(field) }
        return response
    }
}
