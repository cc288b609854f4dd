import Hummingbird

/// Kiln's state comes from git: every method but GET and HEAD answers 405, naming where to commit instead.
struct ReadOnlyMiddleware<Context: RequestContext>: RouterMiddleware {
    let repository: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .get || request.method == .head else {
            var response = JSONResponse.error("read-only",
                "Kiln's state comes from git: commit a change to \(repository) instead", status: .methodNotAllowed)
            response.headers[.allow] = "GET, HEAD"
            return response
        }
        return try await next(request, context)
    }
}
