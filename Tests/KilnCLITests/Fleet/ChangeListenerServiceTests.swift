import Foundation
import KilnCatalog
import KilnTestSupport
import Logging
import Testing

@testable import KilnCLI

/// The host pass's wake-up from `kiln_changes`, against a real PostgreSQL: which announcements wake it, and a
/// listener whose connection is cut connects again and wakes the pass once more.
@Suite(PostgresClusterTrait())
struct ChangeListenerServiceTests {
    /// The wakes seen so far.
    actor Wakes {
        var count = 0
        func add() { count += 1 }

        /// Waits until `count` wakes came; the deadline only catches a hang.
        func reach(_ count: Int, _ what: String) async throws {
            let deadline = ContinuousClock.now + .seconds(120)
            while self.count < count {
                guard ContinuousClock.now < deadline else {
                    throw ServeProcess.Failure(description: "\(what): \(self.count) wakes of \(count) after 120 s")
                }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    @Test("a new listener, a VM change and a new applied commit wake the host pass; other tables do not")
    func whatWakes() {
        #expect(ChangeListenerService.wakes(on: .listening))
        #expect(ChangeListenerService.wakes(on: .changed(.vms)))
        #expect(ChangeListenerService.wakes(on: .changed(.sync)))
        for table in [CatalogTable.builds, .executions, .virtualImages, .images, .tombstones] {
            #expect(!ChangeListenerService.wakes(on: .changed(table)), "\(table)")
        }
    }

    @Test("wakes the pass when listening and on each announced VM change, and again after its connection is cut")
    func wakesAndReconnects() async throws {
        let (cluster, url, database) = try await SharedPostgres.shared.newDatabase("wake")
        let catalog = try #require(
            try await CatalogLocation(parsing: url).open(passwordFile: cluster.passwordFile) as? PostgresCatalog)
        let wakes = Wakes()
        let service = ChangeListenerService(catalog: catalog, logger: Logger(label: "test")) { await wakes.add() }
        let running = Task { try await service.run() }
        do {
            try await wakes.reach(1, "the listener in place")
            // As the statement triggers announce: an image build changed (no wake), then a VM (a wake). They arrive
            // in commit order, so once the VM's wake is in, the build's would be too.
            _ = try await cluster.sql("SELECT pg_notify('kiln_changes', 'image_build')", database: database)
            _ = try await cluster.sql("SELECT pg_notify('kiln_changes', 'vm')", database: database)
            try await wakes.reach(2, "the VM change")
            #expect(await wakes.count == 2)
            let cut = try await cluster.sql(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'",
                database: database)
            #expect(cut.trimmingCharacters(in: .whitespacesAndNewlines) == "1", "the listening sessions cut: \(cut)")
            try await wakes.reach(3, "the listener in place again after its connection was cut")
            _ = try await cluster.sql("SELECT pg_notify('kiln_changes', 'sync')", database: database)
            try await wakes.reach(4, "the new applied commit")
            #expect(await wakes.count == 4)
        } catch {
            running.cancel()
            _ = try? await running.value
            await catalog.close()
            throw error
        }
        running.cancel()
        _ = try? await running.value
        await catalog.close()
    }
}
