import Foundation
import Hummingbird
import HummingbirdTesting
import KilnServer
import Testing

/// `GET /kiln/v1/sync`: where Kiln stands with its source, including a refused commit and why.
@Suite struct SyncEndpointTests {
    @Test func answersTheSyncRecordWithTheRefusedCommitAndItsErrors() async throws {
        let server = try await TestServer.make()
        try await server.withClient { client in
            let response = try await client.execute(uri: "/kiln/v1/sync", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json")
            #expect(response.headers[.cacheControl] == "no-cache")
            let sync = try response.json()
            #expect(sync["source"] as? String == "https://git.example.org/infra/images.git")
            #expect(sync["branch"] as? String == "main")
            #expect(sync["path"] as? String == "kiln")

            let lastSeen = try #require(sync["lastSeen"] as? [String: Any])
            #expect(lastSeen["commit"] as? String == CatalogFixture.refusedCommit)
            #expect(lastSeen["at"] as? String == "2026-01-01T02:01:40Z")

            let applied = try #require(sync["lastApplied"] as? [String: Any])
            #expect(applied["commit"] as? String == SpecFixture.revision.id)
            #expect(applied["author"] as? String == "Ada Lovelace")
            #expect(applied["message"] as? String == "Add busybox")
            #expect(applied["at"] as? String == "2026-01-01T00:00:00Z")

            let refused = try #require(sync["refused"] as? [String: Any])
            #expect(refused["commit"] as? String == CatalogFixture.refusedCommit)
            #expect(refused["author"] as? String == "Charles Babbage")
            #expect(refused["message"] as? String == "Tune busybox")
            #expect(refused["reason"] as? String == "invalid")
            #expect(refused["at"] as? String == "2026-01-01T02:01:40Z")
            #expect(
                refused["errors"] as? [String] == [
                    "builds/busybox.yaml:12:7: spec.keepResults: must be 0 or more",
                    "vms/hello-1.yaml:5:9: spec.cpus: must be between 1 and 64"
                ])
            #expect(refused["deletions"] as? [String] == [])

            let lastRun = try #require(sync["lastRun"] as? [String: Any])
            #expect(lastRun["result"] as? String == "refused")
            #expect(
                Set(sync.keys) == [
                    "source", "branch", "path", "lastSeen", "lastApplied", "refused", "lastRun", "nextPass",
                    "leader", "leaderSince", "epoch"
                ])
        }
    }

    @Test func withoutARefusalRefusedIsNull() async throws {
        let server = try await TestServer.make()
        var sync = try await server.fixture.catalog.sync()
        sync.refusedCommit = nil
        try await server.fixture.catalog.saveSync(sync)
        try await server.withClient { client in
            let response = try await client.execute(uri: "/kiln/v1/sync", method: .get)
            #expect(response.status == .ok)
            #expect(try response.json()["refused"] is NSNull)
        }
    }

    /// Sorted keys: equal state gives equal bytes (what ETags will rest on).
    @Test func equalStateGivesEqualBytesWithSortedKeys() async throws {
        let server = try await TestServer.make()
        try await server.withClient { client in
            let first = try await client.execute(uri: "/kiln/v1/sync", method: .get).text
            let second = try await client.execute(uri: "/kiln/v1/sync", method: .get).text
            #expect(first == second)
            let topLevelKeys = first.split(separator: "\n").filter { $0.hasPrefix("  \"") }
                .map { String($0.dropFirst(3).prefix { $0 != "\"" }) }
            #expect(topLevelKeys == topLevelKeys.sorted())
            #expect(topLevelKeys.count == 11)
        }
    }
}
