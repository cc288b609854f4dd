import Foundation
import KilnCatalog
import KilnSpec
import Testing

/// `hosts.yaml`'s `cordoned` on SQLite and PostgreSQL alike: kept apart from `kiln drain`, so neither lifts the
/// other; heartbeats keep it; a git-cordoned host claims nothing; names no host has are returned.
extension CatalogBackends {
    @Suite("Host git cordon contract (SQLite and PostgreSQL)")
    struct HostGitCordonContractTests {
        @Test(
            "git cordons exactly the listed hosts, beside drains: drain --undo keeps git's cordon, and git's list keeps a drain",
            arguments: Backend.allCases)
        func gitCordon(_ backend: Backend) async throws {
            try await TestCatalog.with(backend) { t in
                _ = try await t.catalog.heartbeat(FleetContractTests.host("a"))
                _ = try await t.catalog.heartbeat(FleetContractTests.host("b"))
                let (leader, _) = try await WorkContractTests.leaderView(t)
                _ = try await leader.enqueue([WorkContractTests.work("x")])
                let capacity = WorkCapacity(cpus: 8, memoryBytes: 16 << 30)
                func flags() async throws -> [String: [Bool]] {
                    Dictionary(
                        uniqueKeysWithValues: try await t.catalog.hosts().hosts.map {
                            ($0.name, [$0.cordoned, $0.cordonedInGit])
                        })
                }

                // The leader applies the list (through its fenced view); a name no host has comes back.
                #expect(try await leader.cordonInGit(["a", "zz"]) == ["zz"])
                #expect(try await flags() == ["a": [false, true], "b": [false, false]])
                // Heartbeats (which know nothing of git) keep it.
                #expect(try await t.catalog.heartbeat(FleetContractTests.host("a")).cordonedInGit)
                #expect(
                    try await t.catalog.claimWork(
                        host: "a", labels: [], capacity: capacity, limit: 1, lease: WorkContractTests.lease
                    ).isEmpty)
                // An operator's drain and its undo leave git's cordon alone.
                _ = try await t.catalog.cordon(host: "a", true)
                let undone = try await t.catalog.cordon(host: "a", false)
                #expect(undone?.cordoned == false && undone?.cordonedInGit == true && undone?.isCordoned == true)
                // Git's new list leaves a drain alone.
                _ = try await t.catalog.cordon(host: "b", true)
                #expect(try await leader.cordonInGit([]) == [])
                #expect(try await flags() == ["a": [false, false], "b": [true, false]])
                let claimed = try await t.catalog.claimWork(
                    host: "a", labels: [], capacity: capacity, limit: 1, lease: WorkContractTests.lease)
                #expect(claimed.map(\.objectName) == ["x"])
            }
        }
    }
}
