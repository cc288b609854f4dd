import Hummingbird

/// Refuses oversized requests before any work: a request target longer than `maxURILength` (414), a declared body
/// larger than the context allows (413).
struct RequestLimitsMiddleware<Context: RequestContext>: RouterMiddleware {
    let maxURILength: Int

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard request.uri.description.utf8.count <= maxURILength else {
            throw APIError(.uriTooLong, code: "uri-too-long", "the request target is longer than \(maxURILength) bytes")
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > context.maxUploadSize {
            throw APIError(
                .contentTooLarge, code: "too-large", "the request body is larger than \(context.maxUploadSize) bytes")
        }
        return try await next(request, context)
    }
}
