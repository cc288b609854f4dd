import Foundation
import KilnCatalog
import Testing

/// The fleet's part of the ``Catalog`` contract, on SQLite and PostgreSQL alike: the leader row and its epochs, and
/// the hosts table with its heartbeats.
extension CatalogBackends {
    @Suite("Fleet contract (SQLite and PostgreSQL)")
    struct FleetContractTests {
        static func host(_ name: String, labels: [String] = [], lease: Double = 15) -> HostRecord {
            HostRecord(
                name: name, address: "http://127.0.0.1:1", cpus: 2, memoryBytes: 4 << 30, diskFreeBytes: 10 << 30,
                kvm: false, labels: labels, version: "0.1.0", dataDir: "/d/\(name)", leaseSeconds: lease,
                startedAt: Records.date, heartbeatAt: Records.date)
        }

        @Test(
            "nobody leads at first; each takeover raises the epoch by one and names the host",
            arguments: Backend.allCases)
        func takeovers(_ backend: Backend) async throws {
            try await TestCatalog.with(backend) { t in
                #expect(try await t.catalog.leader() == nil)
                let first = try await t.catalog.takeLead(host: "a")
                #expect(first.host == "a" && first.epoch == 1)
                let second = try await t.reopen().takeLead(host: "b")
                #expect(second.host == "b" && second.epoch == 2)
                #expect(second.since >= first.since)
                #expect(try await t.catalog.leader() == second)
            }
        }

        @Test(
            "a heartbeat registers a host once by name and renews it; labels and capacity read back",
            arguments: Backend.allCases)
        func heartbeats(_ backend: Backend) async throws {
            try await TestCatalog.with(backend) { t in
                // Leases of an hour: this test is not about expiry, and on a loaded machine the calls between the
                // first heartbeat and the read can take longer than a short lease.
                let a = try await t.catalog.heartbeat(Self.host("a", labels: ["rack=1", "zone=x"], lease: 3600))
                _ = try await t.catalog.heartbeat(Self.host("b", lease: 3600))
                var again = Self.host("a", labels: ["rack=2"], lease: 3600)
                again.diskFreeBytes = 5
                let renewed = try await t.catalog.heartbeat(again)
                #expect(renewed.id == a.id)
                #expect(renewed.heartbeatAt >= a.heartbeatAt)
                let fleet = try await t.catalog.hosts()
                #expect(fleet.hosts.map(\.name) == ["a", "b"])
                #expect(
                    fleet.hosts[0].labels == ["rack=2"] && fleet.hosts[0].diskFreeBytes == 5
                        && fleet.hosts[0].memoryBytes == 4 << 30)
                // The heartbeat is the catalog's time, not the record's.
                #expect(abs(fleet.hosts[0].heartbeatAt.timeIntervalSince(fleet.now)) < 60)
                #expect(fleet.hosts.allSatisfy { $0.state(at: fleet.now) == .ready })
            }
        }

        @Test("a host whose heartbeat is older than its lease is Lost", arguments: Backend.allCases)
        func lostHost(_ backend: Backend) async throws {
            try await TestCatalog.with(backend) { t in
                // a's lease is an hour, so however slow the machine it is still Ready when read back.
                _ = try await t.catalog.heartbeat(Self.host("a", lease: 3600))
                _ = try await t.catalog.heartbeat(Self.host("b", lease: 3))
                // b's last beat, four seconds back: more than its 3 s lease.
                switch backend {
                case .sqlite:
                    try await t.sql(
                        "UPDATE host SET heartbeatAt = datetime(heartbeatAt, '-4 seconds') WHERE name = 'b'")
                case .postgres:
                    try await t.sql(
                        #"UPDATE host SET "heartbeatAt" = "heartbeatAt" - interval '4 seconds' WHERE name = 'b'"#)
                }
                let fleet = try await t.catalog.hosts()
                #expect(fleet.hosts.map { $0.state(at: fleet.now) } == [.ready, .lost])
            }
        }
    }
}
