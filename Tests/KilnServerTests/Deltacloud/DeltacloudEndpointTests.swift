import Foundation
import Hummingbird
import HummingbirdTesting
import KilnServer
import KilnSpec
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Deltacloud: the entry point and images, XML by default, JSON by parameter or `Accept`, absolute links.
@Suite struct DeltacloudEndpointTests {
    static func get(_ server: TestServer, _ uri: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await server.withClient { try await $0.execute(uri: uri, method: .get, headers: headers) }
    }

    /// Hummingbird's router test client addresses the server as `localhost`: links are built from it.
    static let host: HTTPFields = [:]

    @Test func theEntryPointListsImagesWithAbsoluteLinks() async throws {
        let server = try await TestServer.make()
        let xml = try await Self.get(server, "/api", headers: Self.host)
        #expect(xml.status == .ok)
        #expect(xml.headers[.contentType] == "application/xml")
        #expect(xml.text.contains("<api driver='kiln' version='1.0'>"))
        #expect(xml.text.contains("<link href='http://localhost/api/images' rel='images'>"))
        var headers = Self.host
        headers[.accept] = "application/json"
        let json = try await Self.get(server, "/api", headers: headers)
        #expect(json.headers[.contentType] == "application/json")
        let api = try #require(try json.json()["api"] as? [String: Any])
        #expect(api["driver"] as? String == "kiln")
        let links = try #require(api["links"] as? [[String: Any]])
        #expect(links.first?["rel"] as? String == "images")
        #expect(links.first?["href"] as? String == "http://localhost/api/images")
    }

    @Test func imagesAsXMLByDefault() async throws {
        let server = try await TestServer.make()
        let response = try await Self.get(server, "/api/images", headers: Self.host)
        #expect(response.headers[.contentType] == "application/xml")
        let text = response.text
        #expect(text.hasPrefix("<?xml version='1.0' encoding='utf-8' ?>\n<images>"))
        #expect(text.contains("<image href='http://localhost/api/images/busybox' id='busybox'>"))
        #expect(text.contains("<owner_id>kiln</owner_id>"))
        #expect(text.contains("<architecture>x86_64</architecture>"))
        #expect(text.contains("<state>ACTIVE</state>"))
        #expect(
            text.contains(
                "<link href='http://localhost/kiln/v1/docs/virtualmachine' method='post' rel='create_instance' />"))
        // The XML parses.
        let document = try XMLDocument(xmlString: text)
        #expect(try document.nodes(forXPath: "/images/image").count == 1)
    }

    @Test(
        arguments: [("format=json", nil), ("", "application/json"), ("format=json", "application/xml")]
            as [(String, String?)])
    func imagesAsJSONWhenAsked(query: String, accept: String?) async throws {
        let server = try await TestServer.make()
        var headers = Self.host
        if let accept { headers[.accept] = accept }
        let response = try await Self.get(server, "/api/images?\(query)", headers: headers)
        #expect(response.headers[.contentType] == "application/json")
        let images = try #require(try response.json()["images"] as? [[String: Any]])
        let image = try #require(images.first)
        for key in ["id", "name", "state", "owner", "architecture", "description"] {
            #expect(!((image[key] as? String) ?? "").isEmpty, "\(key)")
        }
        #expect(image["owner_id"] == nil)
        let single = try await Self.get(server, "/api/images/busybox?format=json")
        #expect((try single.json()["image"] as? [String: Any])?["state"] as? String == "ACTIVE")
    }

    @Test func filtersByOwnerAndArchitecture() async throws {
        let server = try await TestServer.make()
        try await server.fixture.addImages([
            ("arm", ["architecture": .string("aarch64"), "owner": .string("team-web")]),
            ("old", ["architecture": .string("i386"), "owner": .string("team-web")])
        ])
        func ids(_ query: String) async throws -> [String] {
            let response = try await Self.get(server, "/api/images?format=json&\(query)")
            return (try response.json()["images"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        }
        #expect(try await ids("owner_id=team-web") == ["arm", "old"])
        #expect(try await ids("architecture=x86_64") == ["busybox"])
        #expect(try await ids("owner_id=team-web&architecture=i386") == ["old"])
        #expect(try await ids("owner_id=kiln") == ["busybox"])
    }

    @Test func stateIsNeverEmpty() async throws {
        let server = try await TestServer.make()
        try await server.fixture.addImages([("queued", [:])])
        let text = try await Self.get(server, "/api/images").text
        #expect(!text.contains("<state></state>"))
        #expect(text.contains("<state>QUEUED</state>"))
    }

    @Test func errors() async throws {
        let server = try await TestServer.make()
        let missing = try await Self.get(server, "/api/images/nope")
        #expect(missing.status == .notFound)
        #expect(try missing.json()["code"] as? String == "image-not-found")
        let unacceptable = try await Self.get(server, "/api/images", headers: [.accept: "text/html"])
        #expect(unacceptable.status == .notAcceptable)
        let badFormat = try await Self.get(server, "/api/images?format=yaml")
        #expect(badFormat.status == .badRequest)
    }
}
