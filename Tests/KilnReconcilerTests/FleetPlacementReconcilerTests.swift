import Foundation
import GRDB
import KilnCatalog
import KilnPlanner
import KilnReconciler
import KilnSpec
import KilnTestSupport
import Testing

/// The reconciler with a fleet (``ReconcilerOptions/fleetHost``), on a real SQLite catalog whose hosts table holds
/// the fleet: it records where each VM runs, makes only those placed on its own host, and moves a VM off a Lost host.
@Suite struct FleetPlacementReconcilerTests {
    static func host(_ name: String, memory: Int64 = 8 << 30, lease: Double = 600) -> HostRecord {
        HostRecord(
            name: name, address: "http://127.0.0.1:1", cpus: 4, memoryBytes: memory, diskFreeBytes: 10 << 30,
            kvm: false, labels: [], version: "t", dataDir: "/d/\(name)", leaseSeconds: lease, startedAt: Date(),
            heartbeatAt: Date())
    }

    @Test("VMs are placed over the hosts, recorded, and only this host's are made here; a Lost host's VM moves here")
    func placesAndMakesOnlyItsOwn() async throws {
        var options = ReconcilerOptions(baseBackoff: 0.05, maxBackoff: 0.2, callbackBackoff: .milliseconds(10))
        options.fleetHost = "a"
        let h = try Harness(options: options)
        defer { h.remove() }
        _ = try await h.catalog.heartbeat(Self.host("a"))
        _ = try await h.catalog.heartbeat(Self.host("b"))
        var files = Harness.quickstart()
        files["vms.yaml"] =
            Specs.vm("hello", image: "busybox", powerState: "running") + "  placement: {host: a}\n"
        files["vm2.yaml"] = Specs.vm("there", image: "busybox", powerState: "running") + "  placement: {host: b}\n"
        files["vm3.yaml"] =
            Specs.vm("nowhere", image: "busybox", powerState: "running") + "  placement: {host: c}\n"
        await h.source.commit("c1", files)
        _ = await h.settle()

        let vms = try await h.state().vms
        #expect(vms["hello"]?.host == "a" && vms["there"]?.host == "b" && vms["nowhere"]?.host == nil)
        let calls = await h.vms.calls
        #expect(calls.contains("provision hello"), "\(calls)")
        #expect(!calls.contains { $0.hasSuffix(" there") || $0.hasSuffix(" nowhere") }, "\(calls)")
        let nowhere = await h.status(.virtualMachine, "nowhere") ?? ""
        #expect(nowhere.contains("UnknownHost") && nowhere.contains("placement.host c is not a host of the fleet"))
        let there = await h.status(.virtualMachine, "there") ?? ""
        #expect(there.contains("host: b"), "\(there)")

        // b stops beating (its lease, 1 s here, long past): "there" may run on a now, and does, naming b.
        _ = try await h.catalog.heartbeat(Self.host("b", lease: 1))
        let db = try DatabaseQueue(path: h.paths.catalog)
        try await db.write { db in
            try db.execute(
                sql: "UPDATE host SET heartbeatAt = ? WHERE name = 'b'", arguments: [Date().addingTimeInterval(-3600)])
        }
        files["vm2.yaml"] = Specs.vm("there", image: "busybox", powerState: "running")
        await h.source.commit("c2", files)
        _ = await h.settle()
        let moved = try await h.state().vms["there"]
        #expect(moved?.host == "a", "\(String(describing: moved))")
        #expect(moved?.placementReason?.hasPrefix("HostLost: b was lost") == true, "\(String(describing: moved))")
        #expect(await h.vms.calls.contains("provision there"))
    }

    @Test(
        "hosts.yaml cordons through the catalog: the VM leaves the cordoned host, and a drain's undo does not lift it")
    func hostsFileCordons() async throws {
        var options = ReconcilerOptions(baseBackoff: 0.05, maxBackoff: 0.2, callbackBackoff: .milliseconds(10))
        options.fleetHost = "a"
        let h = try Harness(options: options)
        defer { h.remove() }
        _ = try await h.catalog.heartbeat(Self.host("a", memory: 4 << 30))
        _ = try await h.catalog.heartbeat(Self.host("b"))
        var files = Harness.quickstart()
        files["vms.yaml"] = Specs.vm("hello", image: "busybox", powerState: "running")
        await h.source.commit("c1", files)
        _ = await h.settle()
        // b has the most free memory: hello is placed there.
        #expect(try await h.state().vms["hello"]?.host == "b")

        files["hosts.yaml"] = "cordoned: [b, ghost]\n"
        await h.source.commit("c2", files)
        _ = await h.settle()
        let hosts = try await h.catalog.hosts().hosts
        #expect(hosts.map(\.cordonedInGit) == [false, true])
        let moved = try await h.state().vms["hello"]
        #expect(moved?.host == "a", "\(String(describing: moved))")
        #expect(moved?.placementReason?.hasPrefix("HostCordoned: b was drained or cordoned") == true)
        // An operator's drain --undo of b leaves git's cordon: b is still not available.
        _ = try await h.catalog.cordon(host: "b", false)
        #expect(try await h.catalog.hosts().hosts.first { $0.name == "b" }?.isCordoned == true)

        // Git drops the list: the flag is cleared (the VM stays where it is: placement is stable).
        files["hosts.yaml"] = nil
        await h.source.commit("c3", files)
        _ = await h.settle()
        #expect(try await h.catalog.hosts().hosts.map(\.cordonedInGit) == [false, false])
        #expect(try await h.state().vms["hello"]?.host == "a")
    }
}
