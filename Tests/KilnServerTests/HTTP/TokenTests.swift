import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import KilnServer

/// With a token file, every endpoint but `/healthz` wants `Authorization: Bearer <token>`, or HTTP Basic with a token
/// as the password.
@Suite struct TokenTests {
    static let tokens = ["first-7f3a9c", "second-b41d2e"]
    static let protected = [
        "/readyz", "/metrics", "/kiln/v1/sync", "/kiln/v1/status/imagebuild/busybox", "/no/such/route"
    ]

    static func expectUnauthorized(_ response: TestResponse, _ context: String, head: Bool = false) throws {
        #expect(response.status == .unauthorized, "\(context)")
        #expect(response.headers[.wwwAuthenticate] == "Bearer realm=\"kiln\", Basic realm=\"kiln\"", "\(context)")
        // A HEAD answer's body never reaches the client: SwiftNIO's encoder drops it.
        guard !head else { return }
        let error = try response.json()
        #expect(error["code"] as? String == "unauthorized", "\(context)")
        #expect(Set(error.keys) == ["code", "message"], "\(context)")
    }

    @Test func withoutATokenEveryEndpointButHealthzIs401() async throws {
        let server = try await TestServer.make(tokens: Self.tokens)
        try await server.withClient { client in
            for path in Self.protected {
                try Self.expectUnauthorized(try await client.execute(uri: path, method: .get), "GET \(path)")
                try Self.expectUnauthorized(
                    try await client.execute(uri: path, method: .head), "HEAD \(path)", head: true)
            }
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
            #expect(health.text == "ok\n")
        }
    }

    @Test(arguments: [
        "Bearer wrong", "Bearer first-7f3a9", "Bearer first-7f3a9c0", "Bearer ", "Bearer", "first-7f3a9c",
        "Token first-7f3a9c", "Basic !!!not-base64", "Basic \(Data("first-7f3a9c".utf8).base64EncodedString())",
        "Basic \(Data("first-7f3a9c:wrong".utf8).base64EncodedString())"
    ])
    func aWrongOrMalformedCredentialIs401(header: String) async throws {
        let server = try await TestServer.make(tokens: Self.tokens)
        try await server.withClient { client in
            try Self.expectUnauthorized(
                try await client.execute(uri: "/kiln/v1/sync", method: .get, headers: [.authorization: header]),
                header)
        }
    }

    @Test(arguments: tokens)
    func anyConfiguredBearerTokenIsAccepted(token: String) async throws {
        let server = try await TestServer.make(tokens: Self.tokens)
        try await server.withClient { client in
            for path in ["/readyz", "/metrics", "/kiln/v1/sync", "/kiln/v1/status/imagebuild/busybox"] {
                let response = try await client.execute(uri: path, method: .get, headers: .bearer(token))
                #expect(response.status == .ok, "\(path)")
            }
            let sync = try await client.execute(uri: "/kiln/v1/sync", method: .get, headers: .bearer(token))
            #expect(try sync.json()["branch"] as? String == "main")
        }
    }

    /// Clients of the seed APIs that speak only Basic (Deltacloud's) send the token as the password, any user name.
    @Test(arguments: [("kiln", "first-7f3a9c"), ("", "second-b41d2e"), ("deltacloud", "second-b41d2e")])
    func basicWithATokenAsThePasswordIsAccepted(user: String, password: String) async throws {
        let server = try await TestServer.make(tokens: Self.tokens)
        try await server.withClient { client in
            let response = try await client.execute(
                uri: "/kiln/v1/status/image/busybox", method: .get,
                headers: .basic(user: user, password: password))
            #expect(response.status == .ok)
            #expect(try response.json()["name"] as? String == "busybox")
        }
    }

    /// Authentication schemes are case-insensitive and may be followed by several spaces (RFC 9110 §11.1, §11.4).
    @Test(arguments: [
        "bearer first-7f3a9c", "BEARER first-7f3a9c", "Bearer   first-7f3a9c",
        "basic \(Data(":first-7f3a9c".utf8).base64EncodedString())"
    ])
    func theSchemeIsCaseInsensitiveAndSpacesMayRepeat(header: String) async throws {
        let server = try await TestServer.make(tokens: Self.tokens)
        try await server.withClient { client in
            let response = try await client.execute(
                uri: "/kiln/v1/sync", method: .get, headers: [.authorization: header])
            #expect(response.status == .ok, "\(header)")
        }
    }

    @Test func withoutTokensNoCredentialIsNeeded() async throws {
        let server = try await TestServer.make()
        try await server.withClient { client in
            for path in ["/readyz", "/metrics", "/kiln/v1/sync"] {
                let response = try await client.execute(uri: path, method: .get)
                #expect(response.status == .ok, "\(path)")
            }
        }
    }

    @Test func theComparisonIsByContentAndLength() {
        let equal = ConstantTime.equal
        #expect(equal(Array("abc".utf8), Array("abc".utf8)))
        #expect(!equal(Array("abc".utf8), Array("abd".utf8)))
        #expect(!equal(Array("abc".utf8), Array("abc\0".utf8)))
        #expect(!equal(Array("abc".utf8), Array("ab".utf8)))
        #expect(!equal([], Array("a".utf8)))
        #expect(equal([], []))
    }
}
