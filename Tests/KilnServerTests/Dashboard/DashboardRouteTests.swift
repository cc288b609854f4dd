import Foundation
import Hummingbird
import HummingbirdTesting
import KilnCatalog
import Testing

@testable import KilnServer

/// `GET /` and `GET /ui/lineage/{kind}/{name}` over HTTP (HummingbirdTesting's router client).
@Suite struct DashboardRouteTests {
    static func server(tokens: [String] = []) async throws -> TestServer {
        let server = try await TestServer.make(tokens: tokens)
        try await DashboardFixture.addFailedBuild(to: server.fixture.catalog)
        return server
    }

    @Test func theDashboardIsHTMLWithAPolicyAndAnETag() async throws {
        let server = try await Self.server()
        try await server.withClient { client in
            let response = try await client.execute(uri: "/", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/html; charset=utf-8")
            #expect(response.headers[.contentSecurityPolicy] == DashboardRenderer.contentSecurityPolicy)
            #expect(response.headers[.xContentTypeOptions] == "nosniff")
            #expect(response.headers[.cacheControl] == "no-cache")
            #expect(response.text.contains(#"data-execution="busybox#3" data-status="running""#))
            #expect(response.text.contains(#"data-execution="alpine#1" data-status="failed""#))
            #expect(response.text.contains(#"id="refused""#))
            let etag = try #require(response.headers[.eTag])
            let again = try await client.execute(uri: "/", method: .get, headers: [.ifNoneMatch: etag])
            #expect(again.status == .notModified)
            #expect(again.body.readableBytes == 0)
            let head = try await client.execute(uri: "/", method: .head)
            #expect(head.status == .ok)
            #expect(head.headers[.eTag] == etag)
        }
    }

    @Test func aChangeInTheCatalogChangesThePage() async throws {
        let server = try await Self.server()
        try await server.withClient { client in
            let before = try await client.execute(uri: "/", method: .get)
            var running = try #require(
                try await server.fixture.catalog.state(of: [.executions]).executions["busybox"]?.last)
            running.statusPercent = 85
            running.statusEta = 12
            try await server.fixture.catalog.saveExecution(running)
            try await server.refresh()
            let after = try await client.execute(
                uri: "/", method: .get, headers: [.ifNoneMatch: before.headers[.eTag] ?? ""])
            #expect(after.status == .ok)
            #expect(after.text.contains(#"style="width: 85%""#) && after.text.contains("ETA 12 s"))
            #expect(after.headers[.eTag] != before.headers[.eTag])
        }
    }

    @Test func eachObjectHasALineagePage() async throws {
        let server = try await Self.server()
        try await server.withClient { client in
            for (path, fragment) in [
                ("/ui/lineage/imagebuild/busybox", #"<li class="node spec current">"#),
                ("/ui/lineage/image/busybox", #"<li class="node image current">"#),
                ("/ui/lineage/virtualmachine/hello-1", #"<li class="node vm current">"#),
                ("/ui/lineage/ImageBuild/alpine", #"<li class="node execution" data-execution="alpine#1">"#)
            ] {
                let response = try await client.execute(uri: path, method: .get)
                #expect(response.status == .ok, "\(path)")
                #expect(response.headers[.contentType] == "text/html; charset=utf-8", "\(path)")
                #expect(response.text.contains(fragment), "\(path): \(fragment)")
            }
        }
    }

    @Test(arguments: [
        ("/ui/lineage/imagebuild/nope", "Kiln has no ImageBuild named nope."),
        ("/ui/lineage/disk/busybox", "There is no kind disk: use imagebuild, image or virtualmachine.")
    ])
    func anUnknownObjectIsAn404Page(_ path: String, _ message: String) async throws {
        let server = try await Self.server()
        try await server.withClient { client in
            let response = try await client.execute(uri: path, method: .get)
            #expect(response.status == .notFound)
            #expect(response.headers[.contentType] == "text/html; charset=utf-8")
            #expect(response.text.contains("<p>\(message)</p>"))
        }
    }

    @Test func theDashboardIsReadOnlyAndBehindTheTokens() async throws {
        let server = try await Self.server(tokens: ["s3cret-token"])
        try await server.withClient { client in
            let anonymous = try await client.execute(uri: "/", method: .get)
            #expect(anonymous.status == .unauthorized)
            // Browsers answer the Basic challenge with a login prompt; any user name and the token as the password.
            #expect(anonymous.headers[.wwwAuthenticate]?.contains("Basic realm=\"kiln\"") == true)
            let basic = try await client.execute(
                uri: "/", method: .get, headers: .basic(user: "me", password: "s3cret-token"))
            #expect(basic.status == .ok)
            let post = try await client.execute(uri: "/", method: .post, headers: .bearer("s3cret-token"))
            #expect(post.status == .methodNotAllowed)
        }
    }
}
