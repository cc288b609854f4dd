import Hummingbird
import KilnQuery

/// Every error in the API's shape, `{"code": "...", "message": "..."}`: an ``APIError`` as it says, an unknown path
/// 404 `not-found`, and any other failure 500 `internal-error`, its details in the log rather than in the answer.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return error.response
        } catch let error as QueryParameterError {
            return APIError(error).response
        } catch let error as HTTPError where error.status == .notFound {
            return JSONResponse.error(
                "not-found", "no endpoint \(request.method) \(request.uri.path)", status: .notFound)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            return JSONResponse.error("too-large", "the request body is too large", status: .contentTooLarge)
        } catch let error as any HTTPResponseError {
            throw error
        } catch {
            context.logger.error("\(request.method) \(request.uri.path) failed: \(error)")
            return JSONResponse.error(
                "internal-error", "the server failed to answer; its log says why",
                status: .internalServerError)
        }
    }
}
