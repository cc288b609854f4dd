import Foundation
import Logging
import PostgresNIO
import Testing

@testable import KilnCatalog

extension CatalogBackends {
    /// A host's heartbeat writes its own row, and must never write back a drain that landed while it ran.
    @Suite("PostgreSQL heartbeats")
    struct PostgresHeartbeatTests {
        @Test("a heartbeat that races `kiln drain` keeps the drain: it reads its row locked, so it waits for the drain")
        func heartbeatKeepsAConcurrentDrain() async throws {
            try await TestCatalog.with(.postgres) { t in
                let catalog = try #require(t.catalog as? PostgresCatalog)
                let host = FleetContractTests.host("b")
                _ = try await catalog.heartbeat(host)
                let logger = Logger(label: "kiln.test.drain")
                let drain = try await PostgresConnection.connect(
                    configuration: catalog.connection, id: 9, logger: logger)
                do {
                    // A drain in progress: its update holds b's row until it commits.
                    try await drain.query("BEGIN", logger: logger)
                    try await drain.query("UPDATE host SET cordoned = true WHERE name = 'b'", logger: logger)
                    let beat = Task { try await catalog.heartbeat(host) }
                    // The heartbeat waits on that row: at its read with the fix, at its write without it.
                    try await PostgresLeaderTests.wait(for: "the heartbeat to wait on b's row") {
                        let waiting = try await t.sql(
                            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
                        )
                        return waiting.trimmingCharacters(in: .whitespacesAndNewlines) == "1"
                    }
                    try await drain.query("COMMIT", logger: logger)
                    let beaten = try await beat.value
                    #expect(beaten.cordoned, "the heartbeat's answer says drained")
                    let stored = try await catalog.hosts().hosts.first { $0.name == "b" }
                    #expect(stored?.cordoned == true, "the drain stays: \(String(describing: stored))")
                    #expect(stored.map { $0.heartbeatAt > host.heartbeatAt } == true, "and the beat landed")
                } catch {
                    Issue.record(error)
                }
                try await drain.close()
            }
        }
    }
}
