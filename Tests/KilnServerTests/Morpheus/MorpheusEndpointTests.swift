import Foundation
import Hummingbird
import HummingbirdTesting
import KilnServer
import Testing

/// Morpheus image builds: list, filters, paging, sorting, one build, its executions, and strict types.
@Suite struct MorpheusEndpointTests {
    static func get(
        _ server: TestServer, _ uri: String, headers: HTTPFields = [:]
    ) async throws -> (HTTPResponse.Status, [String: Any], TestResponse) {
        let response = try await server.withClient { client in
            try await client.execute(uri: uri, method: .get, headers: headers)
        }
        return (response.status, (try? response.json()) ?? [:], response)
    }

    static func names(_ body: [String: Any]) -> [String] {
        (body["imageBuilds"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
    }

    static func many() async throws -> TestServer {
        let server = try await TestServer.make()
        try await server.fixture.addBuilds((1...30).map { String(format: "web-%02d", $0) } + ["Web-Upper", "db"])
        return server
    }

    @Test func theListIsPagedWithMeta() async throws {
        let server = try await Self.many()
        let (status, body, response) = try await Self.get(server, "/api/image-builds")
        #expect(status == .ok)
        #expect(response.headers[.contentType] == "application/json")
        #expect(Self.names(body).count == 25)
        #expect(Self.names(body).first == "Web-Upper")
        let meta = try #require(body["meta"] as? [String: Any])
        #expect(meta["size"] as? Int == 25)
        #expect(meta["total"] as? Int == 33)
        #expect(meta["offset"] as? Int == 0)
        #expect(meta["max"] as? Int == 25)
    }

    @Test(arguments: [
        ("max=5&offset=30", 3, 33, 5),
        ("max=5&offset=33", 0, 33, 5),
        ("max=5&offset=1000", 0, 33, 5),
        ("max=5000", 33, 33, 1000),
        ("max=10&", 10, 33, 10),
        ("&max=&offset=", 25, 33, 25)
    ])
    func pagingEdges(query: String, size: Int, total: Int, max: Int) async throws {
        let server = try await Self.many()
        let (status, body, _) = try await Self.get(server, "/api/image-builds?\(query)")
        #expect(status == .ok)
        let meta = try #require(body["meta"] as? [String: Any])
        #expect(meta["size"] as? Int == size)
        #expect(meta["total"] as? Int == total)
        #expect(meta["max"] as? Int == max)
        #expect(Self.names(body).count == size)
    }

    @Test func filtersByExactNameAndCaseInsensitivePhrase() async throws {
        let server = try await Self.many()
        #expect(Self.names(try await Self.get(server, "/api/image-builds?name=web-07").1) == ["web-07"])
        #expect(Self.names(try await Self.get(server, "/api/image-builds?name=WEB-07").1) == [])
        let phrase = Self.names(try await Self.get(server, "/api/image-builds?phrase=EB-1&max=100").1)
        #expect(phrase == (10...19).map { "web-\($0)" })
        #expect(Self.names(try await Self.get(server, "/api/image-builds?phrase=upper").1) == ["Web-Upper"])
    }

    @Test func sortsByEachFieldBothWays() async throws {
        let server = try await Self.many()
        let byNameDesc = Self.names(try await Self.get(server, "/api/image-builds?sort=name&direction=desc&max=3").1)
        #expect(byNameDesc == ["web-30", "web-29", "web-28"])
        let byId = Self.names(try await Self.get(server, "/api/image-builds?sort=id&max=3").1)
        #expect(byId == ["busybox", "web-01", "web-02"])
        let created = Self.names(
            try await Self.get(server, "/api/image-builds?sort=dateCreated&direction=desc&max=2").1)
        #expect(created == ["db", "Web-Upper"])
        let updated = Self.names(try await Self.get(server, "/api/image-builds?sort=lastUpdated&max=2").1)
        #expect(updated == ["busybox", "db"])
    }

    @Test(arguments: [
        ("max=ten", "max"), ("offset=-1", "offset"), ("max=0", "max"), ("sort=color", "sort"),
        ("direction=up", "direction"), ("max=%zz", "max")
    ])
    func badParametersAre400NamingThem(query: String, parameter: String) async throws {
        let server = try await TestServer.make()
        let (status, body, _) = try await Self.get(server, "/api/image-builds?\(query)")
        #expect(status == .badRequest)
        #expect(body["code"] as? String == "bad-request")
        #expect((body["message"] as? String)?.contains("query parameter \(parameter)") == true, "\(body)")
        #expect(Set(body.keys) == ["code", "message"])
    }

    @Test func oneBuildByIdOrNameWithItsNewestExecutions() async throws {
        let server = try await TestServer.make()
        let (_, byName, _) = try await Self.get(server, "/api/image-builds/busybox")
        let build = try #require(byName["imageBuild"] as? [String: Any])
        let id = try #require(build["id"] as? Int)
        let (status, byId, _) = try await Self.get(server, "/api/image-builds/\(id)")
        #expect(status == .ok)
        #expect((byId["imageBuild"] as? [String: Any])?["name"] as? String == "busybox")
        #expect(build["executionCount"] as? Int == 3)
        let executions = try #require(byName["imageBuildExecutions"] as? [[String: Any]])
        #expect(executions.compactMap { $0["buildNumber"] as? Int } == [3, 2, 1])
        let last = try #require(build["lastResult"] as? [String: Any])
        #expect(last["buildNumber"] as? Int == 3)
        #expect(last["status"] as? String == "running")
        #expect(last["statusPercent"] as? Int == 40)
        #expect(last["statusEta"] as? Int == 57)
        #expect((last["imageBuild"] as? [String: Any])?["id"] as? Int == id)
        #expect((last["createdBy"] as? [String: Any])?["username"] as? String == "Ada Lovelace")
    }

    @Test func anUnknownBuildIs404WithItsCode() async throws {
        let server = try await TestServer.make()
        for uri in ["/api/image-builds/nope", "/api/image-builds/999999", "/api/image-builds/nope/list-executions"] {
            let (status, body, _) = try await Self.get(server, uri)
            #expect(status == .notFound)
            #expect(body["code"] as? String == "image-build-not-found")
        }
    }

    /// Morpheus' own clients parse these strictly (generated models): ids are integers, `statusPercent` an integer
    /// 0–100, `statusEta` null or an integer, `conversionFormats` a string or null, dates ISO-8601 UTC.
    @Test func typesAreWhatStrictClientsExpect() async throws {
        let server = try await TestServer.make()
        let (_, body, _) = try await Self.get(server, "/api/image-builds/busybox")
        let build = try #require(body["imageBuild"] as? [String: Any])
        #expect(build["id"] is Int)
        #expect(build["conversionFormats"] as? String == "qcow2,vmdk")
        #expect(build["sshPassword"] as? String == "************")
        #expect(build["sshUsername"] as? String == "root")
        #expect(build["storageProvider"] is NSNull)
        #expect(build["keepResults"] as? Int == 2)
        #expect(build["isCloudInit"] as? Bool == false)
        let type = try #require(build["type"] as? [String: Any])
        #expect(type["code"] as? String == "qemu")
        #expect(type["id"] is Int)
        let scripts = try #require(build["scripts"] as? [[String: Any]])
        #expect(scripts.count == 1)
        #expect(scripts[0]["id"] is Int)
        #expect(scripts[0]["phase"] as? String == "provision")
        #expect((build["account"] as? [String: Any])?["id"] as? Int == 1)
        let executions = try #require(body["imageBuildExecutions"] as? [[String: Any]])
        let iso = try Regex(#"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"#)
        for execution in executions {
            #expect(execution["id"] is Int)
            let percent = try #require(execution["statusPercent"] as? Int)
            #expect((0...100).contains(percent))
            #expect(execution["statusEta"] is NSNull || execution["statusEta"] is Int)
            #expect(execution["tempInstance"] is NSNull || execution["tempInstance"] is String)
            for key in ["startDate", "endDate"] {
                if let date = execution[key] as? String {
                    #expect(date.wholeMatch(of: iso) != nil, "\(date)")
                } else {
                    #expect(execution[key] is NSNull)
                }
            }
            for image in execution["virtualImages"] as? [[String: Any]] ?? [] { #expect(image["id"] is Int) }
        }
        // The raw text: no number is ever quoted.
        let text = try await server.withClient {
            try await $0.execute(uri: "/api/image-builds/busybox", method: .get).text
        }
        #expect(!text.contains(#""id":""#))
        #expect(!text.contains("statusPercent\":\""))
    }

    @Test func executionsAreFilteredByNumberAndStatus() async throws {
        let server = try await TestServer.make()
        func numbers(_ query: String) async throws -> [Int] {
            let (status, body, _) = try await Self.get(server, "/api/image-builds/busybox/list-executions?\(query)")
            #expect(status == .ok)
            if !query.contains("max") {
                #expect(body["imageBuildExecutionCount"] as? Int == (body["imageBuildExecutions"] as? [Any])?.count)
            }
            return (body["imageBuildExecutions"] as? [[String: Any]] ?? []).compactMap { $0["buildNumber"] as? Int }
        }
        #expect(try await numbers("") == [3, 2, 1])
        #expect(try await numbers("buildNumber=2") == [2])
        #expect(try await numbers("status=success") == [1])
        #expect(try await numbers("status=failed") == [2])
        #expect(try await numbers("status=running&buildNumber=1") == [])
        #expect(try await numbers("max=1&offset=1") == [2])
        let (status, body, _) = try await Self.get(server, "/api/image-builds/busybox/list-executions?status=done")
        #expect(status == .badRequest)
        #expect((body["message"] as? String)?.contains("query parameter status") == true)
    }
}
