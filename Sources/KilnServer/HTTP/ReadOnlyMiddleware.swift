import Hummingbird

/// Kiln's state comes from git: every method but GET and HEAD answers 405, naming where to commit instead, with an
/// `Allow` header. The push webhook's POST is the one exception.
struct ReadOnlyMiddleware<Context: RequestContext>: RouterMiddleware {
    let repository: String

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if request.uri.path == WebhookRoute.path {
            guard request.method == .post else {
                throw APIError(
                    .methodNotAllowed, code: "read-only", "the webhook takes POST only", headers: [.allow: "POST"])
            }
            return try await next(request, context)
        }
        if request.method == .get || request.method == .head { return try await next(request, context) }
        throw APIError(
            .methodNotAllowed, code: "read-only",
            "Kiln's state comes from git: commit a change to \(repository) instead", headers: [.allow: "GET, HEAD"])
    }
}
