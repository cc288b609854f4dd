import Foundation
import KilnCatalog
import KilnSpec
import Testing

/// `kiln drain` on SQLite and PostgreSQL alike: a drained host claims no new work, its heartbeats keep the drain, and
/// taking it back lets it claim again.
extension CatalogBackends {
    @Suite("Host drain contract (SQLite and PostgreSQL)")
    struct HostDrainContractTests {
        @Test(
            "a drained host claims nothing, though work fits it; its heartbeat keeps the drain; undrained it claims again",
            arguments: Backend.allCases)
        func drain(_ backend: Backend) async throws {
            try await TestCatalog.with(backend) { t in
                _ = try await t.catalog.heartbeat(FleetContractTests.host("a"))
                _ = try await t.catalog.heartbeat(FleetContractTests.host("b"))
                let (leader, _) = try await WorkContractTests.leaderView(t)
                _ = try await leader.enqueue([WorkContractTests.work("x"), WorkContractTests.work("y")])
                let capacity = WorkCapacity(cpus: 8, memoryBytes: 16 << 30)

                #expect(try await t.catalog.cordon(host: "nowhere", true) == nil)
                let drained = try await t.catalog.cordon(host: "a", true)
                #expect(drained?.name == "a" && drained?.cordoned == true)
                // Its next heartbeat (which knows nothing of the drain) keeps it.
                let beat = try await t.catalog.heartbeat(FleetContractTests.host("a"))
                #expect(beat.cordoned)
                #expect(try await t.catalog.hosts().hosts.map(\.cordoned) == [true, false])
                #expect(
                    try await t.catalog.claimWork(
                        host: "a", labels: [], capacity: capacity, limit: 1, lease: WorkContractTests.lease
                    ).isEmpty)
                // Another host is not held back by it.
                let other = try await t.catalog.claimWork(
                    host: "b", labels: [], capacity: capacity, limit: 1, lease: WorkContractTests.lease)
                #expect(other.map(\.objectName) == ["x"])

                #expect(try await t.catalog.cordon(host: "a", false)?.cordoned == false)
                let again = try await t.catalog.claimWork(
                    host: "a", labels: [], capacity: capacity, limit: 1, lease: WorkContractTests.lease)
                #expect(again.map(\.objectName) == ["y"])
            }
        }
    }
}
