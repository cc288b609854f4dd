import Foundation
import KilnCatalog
import KilnSpec
import Testing

/// A VM's fleet host and why it is there (issue 13: SQLite `issue-13: vm.host, vm.placementReason`, PostgreSQL v6)
/// are kept by both catalogs alike.
extension CatalogBackends {
    @Suite("Catalog contract: VM placement (SQLite and PostgreSQL)")
    struct VMPlacementContractTests {
        @Test("a VM's host and placement reason survive the round trip, and clear again", arguments: Backend.allCases)
        func hostRoundTrip(_ backend: Backend) async throws {
            try await TestCatalog.with(backend) { t in
                let now = Date(timeIntervalSince1970: 1_700_000_000)
                var vm = VMRecord(
                    name: "web-1", uuid: "u-1", spec: .object([:]), specHash: "s", contentHash: "c", revision: "r",
                    file: "vms.yaml", line: 1, createdAt: now, updatedAt: now)
                #expect(try await t.catalog.saveVM(vm).host == nil)
                vm = try #require(try await t.catalog.state().vms["web-1"])
                #expect(vm.host == nil && vm.placementReason == nil)
                vm.host = "kiln-b"
                vm.placementReason = "HostLost: kiln-a was lost (no heartbeat within its lease); moved to kiln-b"
                _ = try await t.catalog.saveVM(vm)
                let read = try #require(try await t.reopen().state().vms["web-1"])
                #expect(read.host == "kiln-b")
                #expect(read.placementReason == vm.placementReason)
                var cleared = read
                cleared.host = nil
                cleared.placementReason = nil
                _ = try await t.catalog.saveVM(cleared)
                #expect(try await t.catalog.state().vms["web-1"]?.host == nil)
            }
        }
    }
}
