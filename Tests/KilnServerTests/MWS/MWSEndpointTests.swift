import Foundation
import Hummingbird
import HummingbirdTesting
import KilnServer
import KilnSpec
import Testing

/// Moab MWS images over HTTP: query, sort, projection, paging, api-version, one image by id or name.
@Suite struct MWSEndpointTests {
    static func server() async throws -> TestServer {
        let server = try await TestServer.make()
        try await server.fixture.addImages([
            (
                "centos5-compute",
                ["osType": .string("linux"), "extensions": .object(["xcat": .object(["os": .string("centos")])])]
            ),
            (
                "debian12",
                ["osType": .string("linux"), "extensions": .object(["xcat": .object(["os": .string("debian")])])]
            ),
            ("win2019", ["osType": .string("windows")]),
            (
                "esx5",
                [
                    "osType": .string("linux"), "hypervisor": .bool(true), "hypervisorType": .string("ESX"),
                    "supportsPhysicalMachine": .bool(true), "virtualizedImages": .list([.string("debian12")])
                ]
            )
        ])
        return server
    }

    static func get(_ server: TestServer, _ uri: String) async throws -> (HTTPResponse.Status, [String: Any]) {
        let response = try await server.withClient { try await $0.execute(uri: uri, method: .get) }
        return (response.status, (try? response.json()) ?? [:])
    }

    static func names(_ body: [String: Any]) -> [String] {
        (body["results"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
    }

    static func encoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
    }

    @Test func listsEveryImageSortedByName() async throws {
        let server = try await Self.server()
        let (status, body) = try await Self.get(server, "/rest/images?api-version=3")
        #expect(status == .ok)
        #expect(Self.names(body) == ["busybox", "centos5-compute", "debian12", "esx5", "win2019"])
        #expect(body["totalCount"] as? Int == 5)
        #expect(body["resultCount"] as? Int == 5)
    }

    @Test func theIssuesQueryFindsWhatItShould() async throws {
        let server = try await Self.server()
        let query = Self.encoded(#"{"osType":"linux","extensions.xcat.os":{"$in":["centos","debian"]}}"#)
        let (status, body) = try await Self.get(server, "/rest/images?api-version=3&query=\(query)")
        #expect(status == .ok)
        #expect(Self.names(body) == ["centos5-compute", "debian12"])
        #expect(body["totalCount"] as? Int == 2)
    }

    @Test func sortsProjectsAndPages() async throws {
        let server = try await Self.server()
        let sort = Self.encoded(#"{"name":-1}"#)
        let (_, sorted) = try await Self.get(server, "/rest/images?sort=\(sort)&max=2&offset=1")
        #expect(Self.names(sorted) == ["esx5", "debian12"])
        #expect(sorted["totalCount"] as? Int == 5)
        #expect(sorted["resultCount"] as? Int == 2)
        let (_, projected) = try await Self.get(server, "/rest/images?fields=id,name&max=1")
        let first = try #require((projected["results"] as? [[String: Any]])?.first)
        #expect(Set(first.keys) == ["id", "name"])
        let (_, nested) = try await Self.get(
            server, "/rest/images?fields=extensions.xcat.os&query=\(Self.encoded(#"{"name":"debian12"}"#))")
        let only = try #require((nested["results"] as? [[String: Any]])?.first)
        #expect(((only["extensions"] as? [String: Any])?["xcat"] as? [String: Any])?["os"] as? String == "debian")
        let (_, pastEnd) = try await Self.get(server, "/rest/images?offset=50")
        #expect(Self.names(pastEnd) == [])
        #expect(pastEnd["totalCount"] as? Int == 5)
    }

    @Test func oneImageByIdOrNameIsTheBareObject() async throws {
        let server = try await Self.server()
        let (status, byName) = try await Self.get(server, "/rest/images/esx5?api-version=3")
        #expect(status == .ok)
        let id = try #require(byName["id"] as? String)
        #expect(id.wholeMatch(of: try Regex("^[0-9a-f]{24}$")) != nil)
        #expect(id == StableID.mws("esx5"))
        let (_, byId) = try await Self.get(server, "/rest/images/\(id)")
        #expect(byId["name"] as? String == "esx5")
        #expect(byId["hypervisorType"] as? String == "ESX")
        let virtualized = try #require(byId["virtualizedImages"] as? [[String: Any]])
        #expect(virtualized.first?["name"] as? String == "debian12")
        #expect(virtualized.first?["id"] as? String == StableID.mws("debian12"))
        let (missing, error) = try await Self.get(server, "/rest/images/nope")
        #expect(missing == .notFound)
        #expect(error["code"] as? String == "image-not-found")
    }

    @Test func theVersionCountsTheEntrysChanges() async throws {
        let server = try await TestServer.make()
        let (_, busybox) = try await Self.get(server, "/rest/images/busybox")
        #expect(busybox["version"] as? Int == 2)
    }

    @Test(arguments: [
        ("api-version=2", "api-version"),
        ("query=%7Bnope", "query"),
        ("query=" + encoded(#"{"name":{"$where":"1"}}"#), "query"),
        ("sort=" + encoded(#"{"name":0}"#), "sort"),
        ("max=x", "max"),
        ("offset=-3", "offset"),
        ("query=" + encoded(#"{"name":{"$regex":"(a"}}"#), "query")
    ])
    func badParametersAre400NamingThem(query: String, parameter: String) async throws {
        let server = try await TestServer.make()
        let (status, body) = try await Self.get(server, "/rest/images?\(query)")
        #expect(status == .badRequest)
        #expect((body["message"] as? String)?.hasPrefix("query parameter \(parameter):") == true, "\(body)")
    }

    @Test func aRepeatedQueryIsServedFromTheCacheUntilTheCatalogChanges() async throws {
        let server = try await Self.server()
        let uri = "/rest/images?query=\(Self.encoded(#"{"osType":"windows"}"#))"
        #expect(Self.names(try await Self.get(server, uri).1) == ["win2019"])
        #expect(Self.names(try await Self.get(server, uri).1) == ["win2019"])
        try await server.fixture.addImages([("win2022", ["osType": .string("windows")])])
        // Until the read model sees the change, the answer stays; after, it is new.
        try await server.refresh()
        #expect(Self.names(try await Self.get(server, uri).1) == ["win2019", "win2022"])
    }
}
