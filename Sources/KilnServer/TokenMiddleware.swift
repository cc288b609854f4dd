import Foundation
import Hummingbird

/// Bearer tokens (`Authorization: Bearer <token>`, or HTTP Basic with the token as the password, for clients that
/// speak only Basic), compared in constant time. `/healthz` stays open.
struct TokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let tokens: [[UInt8]]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.uri.path == "/healthz" || tokens.isEmpty { return try await next(request, context) }
        let header = request.headers[.authorization] ?? ""
        // The scheme is case-insensitive, and one or more spaces follow it (RFC 9110 §11.1, §11.4).
        let scheme = header.prefix { $0 != " " }.lowercased()
        let credentials = header.drop { $0 != " " }.drop { $0 == " " }
        var presented: [UInt8]?
        if scheme == "bearer", !credentials.isEmpty {
            presented = Array(credentials.utf8)
        } else if scheme == "basic", let data = Data(base64Encoded: String(credentials)),
                  let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":") {
            presented = Array(text[text.index(after: colon)...].utf8)
        }
        guard let presented, tokens.contains(where: { Self.constantTimeEqual($0, presented) }) else {
            var response = JSONResponse.error("unauthorized", "a valid bearer token is required", status: .unauthorized)
            response.headers[.wwwAuthenticate] = "Bearer realm=\"kiln\", Basic realm=\"kiln\""
            return response
        }
        return try await next(request, context)
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for i in 0..<max(a.count, b.count) {
            difference |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
        }
        return difference == 0
    }
}
