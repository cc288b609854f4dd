import Foundation
import KilnCatalog
import KilnPlanner
import KilnSpec
import KilnTestSupport
import Testing

/// The planner in a fleet (issue 13): the leader places VMs over the hosts with ``VMPlacer`` and records the choice, and
/// plans no machine: each host plans its own (``Planner/planHost``). Without a fleet nothing of this happens.
@Suite("Planner: VM placement in a fleet")
struct PlannerPlacementTests {
    static let gib: Int64 = 1 << 30
    static let desired = Fixture.snapshot([
        Specs.build("b"), Specs.image("i", build: "b"),
        Specs.vm("v", image: "i", memory: "256mib", powerState: "running")
    ])

    static func policy(local: String, _ hosts: [PlacementHost]) -> PlannerPolicy {
        var policy = Fixture.policy
        policy.fleet = FleetPlacement(hosts: hosts, local: local)
        return policy
    }

    /// The settled state, with VM v not recorded yet (its image is ready).
    static var newVM: CatalogState {
        var actual = Fixture.settled(desired)
        actual.vms["v"] = nil
        return actual
    }

    @Test("without a fleet nothing is placed: the VM is made here, as always")
    func noFleet() {
        let plan = Fixture.plan(Self.desired, Self.newVM)
        #expect(Fixture.verbs(plan) == ["create VirtualMachine/v", "provision VirtualMachine/v"])
    }

    @Test("a new VM goes to the host with most free memory; the leader records it and makes no machine")
    func placesNew() {
        let hosts = [
            PlacementHost(name: "a", cpus: 4, memoryBytes: 2 * Self.gib),
            PlacementHost(name: "b", cpus: 4, memoryBytes: 8 * Self.gib)
        ]
        let onB = Fixture.plan(Self.desired, Self.newVM, policy: Self.policy(local: "b", hosts))
        #expect(Fixture.verbs(onB) == ["create VirtualMachine/v", "place VirtualMachine/v"])
        #expect(onB.notes[ObjectKey(.virtualMachine, "v")] == nil)
        guard case .placeVM(_, let host, let reason) = onB.actions[1] else { return }
        #expect(host == "b" && reason.hasPrefix("placed on b"))

        let onA = Fixture.plan(Self.desired, Self.newVM, policy: Self.policy(local: "a", hosts))
        #expect(Fixture.verbs(onA) == ["create VirtualMachine/v", "place VirtualMachine/v"])
        #expect(
            onA.notes[ObjectKey(.virtualMachine, "v")] == [
                Note(.placedElsewhere, "placed on host b; that host runs it")
            ])
    }

    @Test("a placed VM stays where it is, though another host has more free memory now")
    func stays() {
        var actual = Fixture.settled(Self.desired)
        actual.vms["v"]!.host = "a"
        let hosts = [
            PlacementHost(name: "a", cpus: 4, memoryBytes: 1 * Self.gib),
            PlacementHost(name: "b", cpus: 4, memoryBytes: 64 * Self.gib)
        ]
        #expect(Fixture.plan(Self.desired, actual, policy: Self.policy(local: "a", hosts)).actions.isEmpty)
    }

    @Test("a VM on a Lost host moves, naming the old host, and its record starts afresh for the new host")
    func hostLost() {
        var actual = Fixture.settled(Self.desired)
        actual.vms["v"]!.host = "a"
        actual.vms["v"]!.pid = 4242
        let hosts = [
            PlacementHost(name: "a", cpus: 4, memoryBytes: 8 * Self.gib, lost: true),
            PlacementHost(name: "b", cpus: 4, memoryBytes: 8 * Self.gib)
        ]
        let plan = Fixture.plan(Self.desired, actual, policy: Self.policy(local: "b", hosts))
        #expect(Fixture.verbs(plan) == ["place VirtualMachine/v"])
        guard case .placeVM(_, let host, let reason) = plan.actions[0] else { return }
        #expect(host == "b")
        #expect(reason == "HostLost: a was lost (no heartbeat within its lease); moved to b")

        // The record keeps nothing of the machine on a.
        var record = actual.vms["v"]!
        record.placeOn("b", reason: reason)
        #expect(record.host == "b" && record.pid == nil && record.directory == nil && record.vmStatus == .waiting)
    }

    @Test("a VM that fits nowhere is Unschedulable with the figures, and nothing is made")
    func unschedulable() {
        let hosts = [PlacementHost(name: "a", cpus: 4, memoryBytes: 128 << 20)]
        let plan = Fixture.plan(Self.desired, Self.newVM, policy: Self.policy(local: "a", hosts))
        #expect(Fixture.verbs(plan) == ["create VirtualMachine/v"])
        let note = plan.notes[ObjectKey(.virtualMachine, "v")]?.first
        #expect(note?.reason == .unschedulable)
        #expect(note?.message == "needs 0.3 GiB memory, largest free 0.1 GiB on a")
    }

    @Test("a placement.host the fleet lacks is reported at once (UnknownHost), not waited for")
    func unknownHost() {
        let vm = """
            apiVersion: kiln.dev/v1
            kind: VirtualMachine
            metadata: {name: v}
            spec:
              image: i
              memory: 256mib
              placement: {host: nowhere}

            """
        let desired = Fixture.snapshot([Specs.build("b"), Specs.image("i", build: "b"), vm])
        var actual = Fixture.settled(desired)
        actual.vms["v"] = nil
        let hosts = [PlacementHost(name: "a", cpus: 4, memoryBytes: 8 * Self.gib)]
        let plan = Fixture.plan(desired, actual, policy: Self.policy(local: "a", hosts))
        #expect(Fixture.verbs(plan) == ["create VirtualMachine/v"])
        #expect(
            plan.notes[ObjectKey(.virtualMachine, "v")] == [
                Note(.unknownHost, "placement.host nowhere is not a host of the fleet (hosts: a)")
            ])
    }

    @Test("a suspended VM is left on its host, and what it holds there is not given to another VM")
    func suspendedHoldsItsPlace() {
        let desired = Fixture.snapshot([
            Specs.build("b"), Specs.image("i", build: "b"),
            Specs.vm("s", image: "i", memory: "256mib", powerState: "running", suspend: true),
            Specs.vm("v", image: "i", memory: "256mib", powerState: "running")
        ])
        var actual = Fixture.settled(desired)
        actual.vms["s"]!.host = "a"
        actual.vms["v"] = nil
        // a has room for one 256 MiB VM, which s holds; b has less than a in all but still fits v.
        let hosts = [
            PlacementHost(name: "a", cpus: 4, memoryBytes: 300 << 20),
            PlacementHost(name: "b", cpus: 4, memoryBytes: 260 << 20)
        ]
        let plan = Fixture.plan(desired, actual, policy: Self.policy(local: "a", hosts))
        let place = plan.actions.compactMap { action -> String? in
            if case .placeVM(let name, let host, _) = action { return "\(name)→\(host ?? "none")" }
            return nil
        }
        #expect(place == ["v→b"])
    }

    @Test("a host plans the machines of its own VMs whose spec the leader wrote, against what each was made from")
    func hostPlan() {
        let desired = Fixture.snapshot([
            Specs.build("b"), Specs.image("i", build: "b"),
            Specs.vm("mine", image: "i", cpus: 2, powerState: "running"),
            Specs.vm("new", image: "i", powerState: "running"),
            Specs.vm("theirs", image: "i", powerState: "running"),
            Specs.vm("stale", image: "i", powerState: "running")
        ])
        var actual = Fixture.settled(desired)
        for name in ["mine", "theirs", "stale"] { actual.vms[name]!.host = "a" }
        actual.vms["theirs"]!.host = "b"
        // The leader wrote mine's new spec (cpus 2); its machine was made with 1 cpu.
        var old = actual.vms["mine"]!.spec
        if case .object(var fields) = old {
            fields["cpus"] = .int(1)
            old = .object(fields)
        }
        actual.vms["mine"]!.machineSpec = old
        actual.vms["new"]!.host = "a"
        actual.vms["new"]!.placeOn(nil, reason: "")
        actual.vms["new"]!.host = "a"
        actual.vms["new"]!.directory = nil
        actual.vms["stale"]!.specFields.contentHash = "an older spec"
        let plan = Planner.planHost(desired: desired, actual: actual, host: "a", now: Fixture.policy.now)
        #expect(Fixture.verbs(plan) == ["recreate VirtualMachine/mine", "provision VirtualMachine/new"])
        guard case .recreateVM(_, _, let reason) = plan.actions.first else { return }
        #expect(reason == "cpus changed")
        #expect(Planner.planHost(desired: desired, actual: actual, host: "c", now: Fixture.policy.now).actions.isEmpty)
    }

    @Test("an Image whose only copy is on a Lost host is noted Unavailable, and nothing is rebuilt for it")
    func imageOnALostHost() {
        let hosts = [
            PlacementHost(name: "a", cpus: 4, memoryBytes: 8 * Self.gib, lost: true),
            PlacementHost(name: "b", cpus: 4, memoryBytes: 8 * Self.gib)
        ]
        var actual = Fixture.settled(Self.desired)
        actual.vms["v"]!.host = "b"
        var policy = Self.policy(local: "b", hosts)
        let reason = "the only copy of image i is on host a, which is Lost (no heartbeat since 2026-12-06T05:00:00Z)"
        policy.fleet!.unavailableImages = ["i": reason]
        let plan = Fixture.plan(Self.desired, actual, policy: policy)
        #expect(plan.actions.isEmpty, "no rebuild, no move: \(Fixture.verbs(plan))")
        #expect(plan.notes[ObjectKey(.image, "i")] == [Note(.unavailable, reason)])
        // Once the host is back (the reconciler names no image), the note is gone.
        #expect(
            Fixture.plan(Self.desired, actual, policy: Self.policy(local: "b", hosts)).notes[ObjectKey(.image, "i")]
                == nil)
    }
}
