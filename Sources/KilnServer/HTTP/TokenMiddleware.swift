import Foundation
import Hummingbird

/// Bearer tokens (`Authorization: Bearer <token>`, the scheme in any case, as Morpheus' examples send `BEARER`), or
/// HTTP Basic with any user and a token as the password (Deltacloud and MWS clients speak Basic), compared in constant
/// time. `/healthz` stays open, and the push webhook authenticates by its signature instead.
struct TokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let tokens: [[UInt8]]

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path
        if tokens.isEmpty || path == "/healthz" || path == WebhookRoute.path { return try await next(request, context) }
        guard let presented = Self.credential(request.headers[.authorization] ?? ""),
            tokens.contains(where: { ConstantTime.equal($0, presented) })
        else {
            var headers = HTTPFields()
            headers[.wwwAuthenticate] = "Bearer realm=\"kiln\", Basic realm=\"kiln\""
            throw APIError(
                .unauthorized, code: "unauthorized",
                "a valid token is required: Authorization: Bearer <token>, or Basic with the token as the password",
                headers: headers)
        }
        return try await next(request, context)
    }

    /// The token an `Authorization` header presents, if it is Bearer or Basic.
    static func credential(_ header: String) -> [UInt8]? {
        // The scheme is case-insensitive, and one or more spaces follow it (RFC 9110 §11.1, §11.4).
        let scheme = header.prefix { $0 != " " }.lowercased()
        let credentials = header.drop { $0 != " " }.drop { $0 == " " }
        if scheme == "bearer", !credentials.isEmpty { return Array(credentials.utf8) }
        if scheme == "basic", let data = Data(base64Encoded: String(credentials)),
            let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        {
            return Array(text[text.index(after: colon)...].utf8)
        }
        return nil
    }
}
