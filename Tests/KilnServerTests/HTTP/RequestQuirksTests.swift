import Foundation
import Hummingbird
import HummingbirdTesting
import KilnServer
import Testing

/// What real clients send: a GET with a body, `BEARER` in capitals, `Accept: */*`, trailing `&`; and what a hostile or
/// clumsy one sends: an overlong target, too many requests.
@Suite struct RequestQuirksTests {
    /// Morpheus scripts send `""` with `Content-Type: application/json` on every GET, and `BEARER`.
    @Test func aGetWithABodyIsServed() async throws {
        let server = try await TestServer.make(tokens: ["t0ken"])
        try await server.withClient { client in
            for uri in ["/api/image-builds?max=5&", "/rest/images?api-version=3", "/vms", "/api/images"] {
                let response = try await client.execute(
                    uri: uri, method: .get,
                    headers: [.authorization: "BEARER t0ken", .contentType: "application/json", .accept: "*/*"],
                    body: ByteBuffer(string: "\"\""))
                #expect(response.status == .ok, "\(uri)")
            }
        }
    }

    @Test func anOverlongTargetIs414() async throws {
        let server = try await TestServer.make()
        let response = try await server.withClient { client in
            try await client.execute(uri: "/rest/images?query=" + String(repeating: "a", count: 9000), method: .get)
        }
        #expect(response.status == .uriTooLong)
        #expect(try response.json()["code"] as? String == "uri-too-long")
    }

    @Test func aLargeDeclaredBodyIs413() async throws {
        let server = try await TestServer.make { $0.webhookSecret = Array("s".utf8) }
        let response = try await server.withClient { client in
            try await client.execute(
                uri: "/kiln/v1/hooks/git", method: .post, headers: [.contentLength: String(2 << 20)],
                body: ByteBuffer(repeating: 0x20, count: 2 << 20))
        }
        #expect(response.status == .contentTooLarge)
        #expect(try response.json()["code"] as? String == "too-large")
    }

    @Test func pastTheRateLimitIs429WithRetryAfter() async throws {
        // A refill of one request per thousand seconds: no request of this test is let through by time passing.
        let server = try await TestServer.make { $0.rateLimit = (rate: 0.001, burst: 3) }
        let statuses = try await server.withClient { client in
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<5 { statuses.append(try await client.execute(uri: "/vms", method: .get).status) }
            let limited = try await client.execute(uri: "/vms", method: .get)
            #expect(limited.headers[.retryAfter] != nil)
            #expect(try limited.json()["code"] as? String == "rate-limited")
            // Liveness is never limited.
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            return statuses
        }
        #expect(statuses.prefix(3).allSatisfy { $0 == .ok })
        #expect(statuses.last == .tooManyRequests)
    }

    @Test func equalStateGivesEqualETagsAndIfNoneMatchGives304() async throws {
        let server = try await TestServer.make()
        try await server.withClient { client in
            for uri in [
                "/api/image-builds", "/rest/images", "/api/images", "/vms", "/kiln/v1/status/image/busybox",
                "/kiln/v1/lineage/image/busybox"
            ] {
                let first = try await client.execute(uri: uri, method: .get)
                let second = try await client.execute(uri: uri, method: .get)
                let etag = try #require(first.headers[.eTag], "\(uri)")
                #expect(second.headers[.eTag] == etag, "\(uri)")
                #expect(first.text == second.text, "\(uri)")
                #expect(first.headers[.cacheControl] == "no-cache", "\(uri)")
                let cached = try await client.execute(uri: uri, method: .get, headers: [.ifNoneMatch: etag])
                #expect(cached.status == .notModified, "\(uri)")
                #expect(cached.body.readableBytes == 0, "\(uri)")
                let weak = try await client.execute(uri: uri, method: .get, headers: [.ifNoneMatch: "\"x\", W/\(etag)"])
                #expect(weak.status == .notModified, "\(uri)")
            }
        }
    }

    @Test func aChangeInTheCatalogChangesTheETag() async throws {
        let server = try await TestServer.make()
        let before = try await server.withClient { try await $0.execute(uri: "/vms", method: .get).headers[.eTag] }
        var vm = try #require(try await server.fixture.catalog.vm("hello-1"))
        vm.ipAddress = "10.0.2.16"
        _ = try await server.fixture.catalog.saveVM(vm)
        try await server.refresh()
        let after = try await server.withClient { try await $0.execute(uri: "/vms", method: .get).headers[.eTag] }
        #expect(before != nil && after != nil && before != after)
    }
}
