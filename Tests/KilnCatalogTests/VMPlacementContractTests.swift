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

        @Test(
            "a host writes only its VM's machine columns, only while placed on it; the leader writes only its own",
            arguments: Backend.allCases)
        func splitWrites(_ backend: Backend) async throws {
            try await TestCatalog.with(backend) { t in
                let now = Date(timeIntervalSince1970: 1_700_000_000)
                var vm = try await Self.placedOnB(t, now: now)
                vm = try #require(try await t.catalog.state().vms["web-1"])
                #expect(vm.host == "b" && vm.vmStatus == .waiting)

                // Host b made the machine; the leader's stale copy of the row, with a new spec, keeps b's columns.
                var machine = vm
                machine.vmStatus = .poweredOn
                machine.pid = 4242
                machine.directory = "/d/b/vms/u-1"
                machine.machineSpec = vm.spec
                machine.specFields.contentHash = "not-b's-to-write"
                #expect(try await t.catalog.saveVMMachine(machine, host: "b"))
                var leader = vm
                leader.specFields.spec = .object(["cpus": .int(2)])
                leader.specFields.contentHash = "c2"
                try await t.catalog.saveVMDecisions([leader])
                var read = try #require(try await t.catalog.state().vms["web-1"])
                #expect(read.contentHash == "c2" && read.spec == .object(["cpus": .int(2)]))
                #expect(read.vmStatus == .poweredOn && read.pid == 4242 && read.directory == "/d/b/vms/u-1")
                #expect(read.machineSpec == .object(["cpus": .int(1)]))

                // Another host cannot write it; once moved to c (machine reset), b cannot either.
                #expect(try await t.catalog.saveVMMachine(machine, host: "c") == false)
                var moved = read
                moved.placeOn("c", reason: "HostLost: b was lost")
                try await t.catalog.saveVMDecisions([moved])
                read = try #require(try await t.reopen().state().vms["web-1"])
                #expect(read.host == "c" && read.pid == nil && read.directory == nil && read.vmStatus == .waiting)
                #expect(try await t.catalog.saveVMMachine(machine, host: "b") == false)
                read = try #require(try await t.catalog.state().vms["web-1"])
                #expect(read.pid == nil && read.host == "c")
                #expect(try await t.catalog.saveVMMachine(read, host: "nobody") == false)
            }
        }

        @Test(
            "a machine write that placement refuses moves no change counter; the one it allows moves only vm's",
            arguments: Backend.allCases)
        func refusedWriteIsNoChange(_ backend: Backend) async throws {
            try await TestCatalog.with(backend) { t in
                let now = Date(timeIntervalSince1970: 1_700_000_000)
                _ = try await Self.placedOnB(t, now: now)
                var machine = try #require(try await t.catalog.state().vms["web-1"])
                machine.pid = 4242
                let before = try await t.catalog.changes()
                // A leader that keeps passing quietly depends on this: a refused write is no change.
                #expect(try await t.catalog.saveVMMachine(machine, host: "c") == false)
                #expect(try await t.catalog.changes() == before)
                #expect(try await t.catalog.saveVMMachine(machine, host: "b"))
                #expect(try await t.catalog.changes().changed(since: before) == [.vms])
            }
        }

        @Test(
            "one batch of decisions mixes VMs that stay (their machines kept), move (their machines reset) and are new",
            arguments: Backend.allCases)
        func mixedBatch(_ backend: Backend) async throws {
            try await TestCatalog.with(backend) { t in
                let now = Date(timeIntervalSince1970: 1_700_000_000)
                let vms = (1...3).map { Self.onB("vm-\($0)", line: $0, now: now) }
                try await t.catalog.saveVMDecisions(Array(vms[0...1]))
                for vm in try await t.catalog.state().vms.values {
                    var machine = vm
                    machine.vmStatus = .poweredOn
                    machine.pid = 4242
                    #expect(try await t.catalog.saveVMMachine(machine, host: "b"))
                }
                // vm-1 stays on b with a new spec, vm-2 moves to c, vm-3 is new on b: one call.
                let read = try await t.catalog.state().vms
                var staying = try #require(read["vm-1"])
                staying.specFields.contentHash = "c2"
                staying.vmStatus = .waiting
                staying.pid = nil
                var moved = try #require(read["vm-2"])
                moved.placeOn("c", reason: "HostLost: b was lost")
                try await t.catalog.saveVMDecisions([staying, moved, vms[2]])
                let after = try await t.reopen().state().vms
                #expect(after["vm-1"]?.contentHash == "c2" && after["vm-1"]?.pid == 4242, "b's machine kept")
                #expect(after["vm-1"]?.vmStatus == .poweredOn && after["vm-1"]?.id == read["vm-1"]?.id)
                #expect(after["vm-2"]?.host == "c" && after["vm-2"]?.pid == nil && after["vm-2"]?.vmStatus == .waiting)
                #expect(after["vm-2"]?.id == read["vm-2"]?.id, "a moved VM keeps its row")
                #expect(after["vm-3"]?.host == "b" && after["vm-3"]?.id != nil)
            }
        }

        /// VM web-1, placed on host b by the leader (its decision columns saved).
        static func placedOnB(_ t: TestCatalog, now: Date) async throws -> VMRecord {
            let vm = onB("web-1", line: 1, now: now)
            try await t.catalog.saveVMDecisions([vm])
            return vm
        }

        /// A one-CPU VM the leader placed on host b (not saved).
        static func onB(_ name: String, line: Int, now: Date) -> VMRecord {
            var vm = VMRecord(
                name: name, uuid: "u-\(line)", spec: .object(["cpus": .int(1)]), specHash: "s1", contentHash: "c1",
                revision: "r1", file: "vms.yaml", line: line, createdAt: now, updatedAt: now)
            vm.host = "b"
            vm.placementReason = "placed on b"
            return vm
        }
    }
}
