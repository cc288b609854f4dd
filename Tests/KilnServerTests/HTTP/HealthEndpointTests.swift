import Hummingbird
import HummingbirdTesting
import KilnServer
import Testing

/// `/healthz` answers while the process lives; `/readyz` only once the first reconcile pass finished.
@Suite struct HealthEndpointTests {
    @Test func healthzAnswersOK() async throws {
        let server = try await TestServer.make(ready: false)
        try await server.withClient { client in
            let response = try await client.execute(uri: "/healthz", method: .get)
            #expect(response.status == .ok)
            #expect(response.text == "ok\n")
            #expect(response.headers[.contentType] == "text/plain; charset=utf-8")
        }
    }

    @Test func readyzIs503UntilTheFirstPassFinishesThen200() async throws {
        let server = try await TestServer.make(ready: false)
        try await server.withClient { client in
            let before = try await client.execute(uri: "/readyz", method: .get)
            #expect(before.status == .serviceUnavailable)
            let error = try before.json()
            #expect(error["code"] as? String == "not-ready")
            #expect((error["message"] as? String)?.contains("first reconcile pass") == true)

            await server.health.markReady()
            let after = try await client.execute(uri: "/readyz", method: .get)
            #expect(after.status == .ok)
            #expect(after.headers[.contentType] == "application/json")
            // Who leads the fleet and since when (the test server leads alone).
            let ready = try after.json()
            #expect(ready["status"] as? String == "ready")
            #expect(ready["host"] as? String == "kiln-test" && ready["role"] as? String == "leader")
            #expect(ready["leader"] as? String == "kiln-test" && ready["epoch"] as? Int == 1)
            #expect(ready["leaderSince"] as? String == "2026-01-01T00:00:00Z")
        }
    }

    /// The API says GET and HEAD: HEAD answers as GET would, without a body.
    @Test(arguments: [
        ("/healthz", HTTPResponse.Status.ok), ("/readyz", .ok), ("/metrics", .ok), ("/kiln/v1/sync", .ok),
        ("/kiln/v1/status/imagebuild/busybox", .ok), ("/kiln/v1/status/image/nope", .notFound)
    ])
    func headAnswersLikeGetWithoutABody(path: String, status: HTTPResponse.Status) async throws {
        let server = try await TestServer.make()
        try await server.withClient { client in
            let get = try await client.execute(uri: path, method: .get)
            let head = try await client.execute(uri: path, method: .head)
            #expect(get.status == status)
            #expect(head.status == status)
            #expect(head.body.readableBytes == 0)
            #expect(head.headers[.contentType] == get.headers[.contentType])
        }
    }
}
