import Foundation
import Hummingbird

/// Bearer tokens (`Authorization: Bearer <token>`, the scheme in any case, as Morpheus' examples send `BEARER`), or
/// HTTP Basic with any user and a token as the password (Deltacloud and MWS clients speak Basic), compared in constant
/// time. `/healthz` stays open, and the push webhook authenticates by its signature instead.
///
/// In a fleet, an Image's download (`/kiln/v1/images/NAME/download`, what other hosts fetch artifacts from) requires
/// the fleet token (`--fleet-token-file`) or one of the API tokens, even when the rest of the API is open. Where the
/// API asks for tokens, the fleet token also opens an execution's log (what another replica passes on for a build
/// that ran here); it opens nothing else.
struct TokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let tokens: [[UInt8]]
    var fleetToken: [UInt8]? = nil

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path
        let fleet = fleetToken.map { [$0] } ?? []
        let accepted =
            Self.isImageDownload(path) || (!tokens.isEmpty && Self.isExecutionLog(path)) ? tokens + fleet : tokens
        if accepted.isEmpty || path == "/healthz" || path == WebhookRoute.path {
            return try await next(request, context)
        }
        guard let presented = Self.credential(request.headers[.authorization] ?? ""),
            accepted.contains(where: { ConstantTime.equal($0, presented) })
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

    /// Whether `path` is an Image's download, `/kiln/v1/images/NAME/download` (NAME one path segment).
    static func isImageDownload(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 6 && parts[0].isEmpty && parts[1] == "kiln" && parts[2] == "v1" && parts[3] == "images"
            && !parts[4].isEmpty && parts[5] == "download"
    }

    /// Whether `path` is an execution's log, `/api/image-builds/ID/executions/NUMBER/log`.
    static func isExecutionLog(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 7 && parts[0].isEmpty && parts[1] == "api" && parts[2] == "image-builds"
            && !parts[3].isEmpty && parts[4] == "executions" && !parts[5].isEmpty && parts[6] == "log"
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
