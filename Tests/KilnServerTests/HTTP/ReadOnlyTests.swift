import Hummingbird
import HummingbirdTesting
import KilnCatalog
import KilnServer
import Testing

/// Kiln's state comes from git: every method but GET and HEAD is refused on every path, known or not, and changes
/// nothing.
@Suite struct ReadOnlyTests {
    static let paths = [
        "/healthz", "/readyz", "/metrics", "/kiln/v1/sync", "/kiln/v1/status/imagebuild/busybox",
        "/kiln/v1/status/widget/busybox", "/no/such/route", "/api/image-builds", "/api/image-builds/busybox",
        "/api/image-builds/1/run", "/api/image-builds/busybox/list-executions", "/rest/images",
        "/rest/images/busybox", "/api", "/api/images", "/api/images/busybox", "/vms", "/vms/hello-1",
        "/kiln/v1/images/busybox/download", "/kiln/v1/plan", "/kiln/v1/events", "/kiln/v1/lineage/image/busybox",
        "/kiln/v1/docs/virtualmachine", "/"
    ]
    static let writeMethods: [HTTPRequest.Method] = [.post, .put, .patch, .delete, .options]

    static func expectReadOnly(_ response: TestResponse, _ context: String) throws {
        #expect(response.status == .methodNotAllowed, "\(context)")
        #expect(response.headers[.allow] == "GET, HEAD", "\(context)")
        #expect(response.headers[.contentType] == "application/json", "\(context)")
        let error = try response.json()
        #expect(error["code"] as? String == "read-only", "\(context)")
        #expect(
            error["message"] as? String
                == "Kiln's state comes from git: commit a change to \(TestServer.repository) instead", "\(context)")
        #expect(Set(error.keys) == ["code", "message"], "\(context)")
    }

    @Test(arguments: paths)
    func everyWriteMethodIs405WithTheReadOnlyBody(path: String) async throws {
        let server = try await TestServer.make()
        try await server.withClient { client in
            for method in Self.writeMethods {
                let response = try await client.execute(
                    uri: path, method: method, headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: #"{"name": "busybox"}"#))
                try Self.expectReadOnly(response, "\(method) \(path)")
            }
        }
    }

    /// With tokens on, an authenticated write is still refused as read-only; an anonymous one learns only 401.
    @Test func withTokensAWriteIs401WithoutATokenAnd405WithOne() async throws {
        let server = try await TestServer.make(tokens: ["t0ken"])
        try await server.withClient { client in
            for method in Self.writeMethods {
                let anonymous = try await client.execute(uri: "/kiln/v1/sync", method: method)
                #expect(anonymous.status == .unauthorized, "\(method)")
                try Self.expectReadOnly(
                    try await client.execute(uri: "/kiln/v1/sync", method: method, headers: .bearer("t0ken")),
                    "\(method) with a token")
            }
            // /healthz needs no token, so a write to it is refused as read-only straight away.
            try Self.expectReadOnly(try await client.execute(uri: "/healthz", method: .post), "POST /healthz")
        }
    }

    @Test func refusedWritesChangeNothing() async throws {
        let server = try await TestServer.make()
        let before = try await server.fixture.catalog.state()
        try await server.withClient { client in
            for method in Self.writeMethods {
                for path in Self.paths {
                    _ = try await client.execute(uri: path, method: method, body: ByteBuffer(string: "{}"))
                }
            }
        }
        let after = try await server.fixture.catalog.state()
        #expect(after.builds == before.builds)
        #expect(after.executions == before.executions)
        #expect(after.images == before.images)
        #expect(after.vms == before.vms)
        #expect(after.sync == before.sync)
    }

    @Test func getOnAnUnknownPathIs404InTheErrorShape() async throws {
        let server = try await TestServer.make()
        try await server.withClient { client in
            for path in ["/no/such/route", "/kiln/v1/status/imagebuild", "/kiln/v2/sync"] {
                let response = try await client.execute(uri: path, method: .get)
                #expect(response.status == .notFound, "\(path)")
                let error = try response.json()
                #expect(error["code"] as? String == "not-found", "\(path)")
                #expect(error["message"] as? String == "no endpoint GET \(path)", "\(path)")
            }
        }
    }
}
