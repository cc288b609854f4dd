import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KilnServer
import Synchronization
import Testing

/// `POST /kiln/v1/hooks/git`: a signed push wakes the loop once; anything else changes nothing.
@Suite struct WebhookRouteTests {
    final class Wakes: Sendable {
        let count = Mutex(0)
    }

    static func server(secret: String? = "hush", wakes: Wakes) async throws -> TestServer {
        let fixture = try await CatalogFixture()
        var configuration = QueryServer.Configuration(repository: TestServer.repository, tokens: ["t0ken"])
        configuration.webhookSecret = secret.map { Array($0.utf8) }
        var server = TestServer(
            fixture: fixture, model: ReadModel(catalog: fixture.catalog), configuration: configuration)
        server.wake = { wakes.count.withLock { $0 += 1 } }
        return server
    }

    static func sign(_ body: String, _ secret: String = "hush") -> String {
        "sha256="
            + Array(
                HMAC<SHA256>.authenticationCode(for: Array(body.utf8), using: SymmetricKey(data: Array(secret.utf8)))
            )
            .map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    static let push = #"{"ref":"refs/heads/main"}"#

    @Test func aSignedPushWakesTheLoopOnceWithoutAToken() async throws {
        let wakes = Wakes()
        let server = try await Self.server(wakes: wakes)
        let response = try await server.withClient { client in
            try await client.execute(
                uri: "/kiln/v1/hooks/git", method: .post,
                headers: [
                    HTTPField.Name("X-GitHub-Event")!: "push",
                    HTTPField.Name("X-Hub-Signature-256")!: Self.sign(Self.push)
                ],
                body: ByteBuffer(string: Self.push))
        }
        #expect(response.status == .accepted)
        #expect(try response.json()["status"] as? String == "accepted")
        #expect(wakes.count.withLock { $0 } == 1)
    }

    @Test func unsignedOrBadlySignedIs401AndWakesNothing() async throws {
        let wakes = Wakes()
        let server = try await Self.server(wakes: wakes)
        try await server.withClient { client in
            for headers: HTTPFields in [
                [HTTPField.Name("X-GitHub-Event")!: "push"],
                [
                    HTTPField.Name("X-GitHub-Event")!: "push",
                    HTTPField.Name("X-Hub-Signature-256")!: Self.sign(Self.push, "wrong")
                ],
                [HTTPField.Name("X-Gitlab-Event")!: "Push Hook", HTTPField.Name("X-Gitlab-Token")!: "nope"]
            ] {
                let response = try await client.execute(
                    uri: "/kiln/v1/hooks/git", method: .post, headers: headers,
                    body: ByteBuffer(string: Self.push))
                #expect(response.status == .unauthorized)
                #expect(try response.json()["code"] as? String == "unauthorized")
            }
        }
        #expect(wakes.count.withLock { $0 } == 0)
    }

    @Test func otherEventsAre202Ignored() async throws {
        let wakes = Wakes()
        let server = try await Self.server(wakes: wakes)
        let body = #"{"ref":"refs/heads/dev"}"#
        let response = try await server.withClient { client in
            try await client.execute(
                uri: "/kiln/v1/hooks/git", method: .post,
                headers: [
                    HTTPField.Name("X-Gitea-Event")!: "push",
                    HTTPField.Name("X-Gitea-Signature")!: String(Self.sign(body).dropFirst(7))
                ],
                body: ByteBuffer(string: body))
        }
        #expect(response.status == .accepted)
        #expect(try response.json()["status"] as? String == "ignored")
        #expect(wakes.count.withLock { $0 } == 0)
    }

    @Test func withoutASecretTheHookIsOffAndOtherMethodsAre405() async throws {
        let wakes = Wakes()
        let server = try await Self.server(secret: nil, wakes: wakes)
        try await server.withClient { client in
            let off = try await client.execute(
                uri: "/kiln/v1/hooks/git", method: .post, body: ByteBuffer(string: Self.push))
            #expect(off.status == .notFound)
            #expect(try off.json()["code"] as? String == "webhook-disabled")
            let get = try await client.execute(uri: "/kiln/v1/hooks/git", method: .put)
            #expect(get.status == .methodNotAllowed)
        }
    }
}
