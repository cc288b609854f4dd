import Foundation
import HummingbirdTesting
import KilnServer
import Testing

/// Lineage: commit → spec file:line → build number → artifact sha256 → image → VMs, walkable both ways by links.
@Suite struct LineageTests {
    static func get(_ server: TestServer, _ uri: String) async throws -> (Int, [String: Any]) {
        let response = try await server.withClient { try await $0.execute(uri: uri, method: .get) }
        return (Int(response.status.code), (try? response.json()) ?? [:])
    }

    @Test func fromTheImageUpToTheCommitAndDownToItsVMs() async throws {
        let server = try await TestServer.make()
        let (status, lineage) = try await Self.get(server, "/kiln/v1/lineage/image/busybox")
        #expect(status == 200)
        let upstream = try #require(lineage["upstream"] as? [[String: Any]])
        #expect(upstream.compactMap { $0["type"] as? String } == ["spec", "execution", "artifact"])
        #expect(upstream[0]["file"] as? String == "builds/busybox.yaml")
        #expect(upstream[0]["line"] as? Int == 3)
        #expect(upstream[0]["commit"] as? String == SpecFixture.revision.id)
        #expect(upstream[1]["buildNumber"] as? Int == 1)
        #expect(upstream[2]["sha256"] as? String == String(repeating: "a", count: 64))
        #expect(
            upstream[2]["href"] as? String == "/kiln/v1/image-builds/busybox/executions/1/artifacts/busybox-1.qcow2")
        let downstream = try #require(lineage["downstream"] as? [[String: Any]])
        #expect(downstream.compactMap { $0["name"] as? String } == ["hello-1"])
        // Follow the link down, then back up.
        let link = try #require(downstream.first?["lineage"] as? String)
        let (_, vm) = try await Self.get(server, link)
        let up = try #require(vm["upstream"] as? [[String: Any]])
        #expect(up.last?["type"] as? String == "image")
        #expect(up.last?["lineage"] as? String == "/kiln/v1/lineage/image/busybox")
    }

    @Test func aBuildListsItsExecutionsAndWhatUsesThem() async throws {
        let server = try await TestServer.make()
        let (_, lineage) = try await Self.get(server, "/kiln/v1/lineage/imagebuild/busybox")
        let executions = try #require(lineage["executions"] as? [[String: Any]])
        #expect(executions.compactMap { $0["buildNumber"] as? Int } == [3, 2, 1])
        let downstream = try #require(lineage["downstream"] as? [[String: Any]])
        #expect(downstream.compactMap { $0["type"] as? String } == ["image", "vm"])
    }

    @Test func unknownObjectsAndKinds() async throws {
        let server = try await TestServer.make()
        let (missing, body) = try await Self.get(server, "/kiln/v1/lineage/virtualmachine/nope")
        #expect(missing == 404)
        #expect(body["code"] as? String == "vm-not-found")
        #expect(try await Self.get(server, "/kiln/v1/lineage/widget/x").0 == 400)
    }
}
