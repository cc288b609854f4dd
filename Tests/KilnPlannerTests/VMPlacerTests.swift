import KilnCatalog
import KilnPlanner
import KilnSpec
import Testing

/// VM placement as a pure function: the most free memory that fits, stable places, moves only for a reason, and
/// `Unschedulable` with the figures rather than an overcommitted host.
@Suite struct VMPlacerTests {
    static let gib: Int64 = 1 << 30

    static func host(
        _ name: String, cpus: Int64 = 8, memory: Int64, labels: Set<String> = [], lost: Bool = false,
        cordoned: Bool = false
    ) -> PlacementHost {
        PlacementHost(name: name, cpus: cpus, memoryBytes: memory * gib, labels: labels, lost: lost, cordoned: cordoned)
    }

    static func vm(
        _ name: String, cpus: Int64 = 1, memory: Int64, placement: Placement = Placement(),
        on current: String? = nil
    ) -> PlacementRequest {
        PlacementRequest(vm: name, cpus: cpus, memoryBytes: memory * gib, placement: placement, current: current)
    }

    @Test("by default each VM goes to the host with the most free memory that fits, biggest VMs first")
    func mostFreeMemory() {
        let hosts = [Self.host("a", memory: 16), Self.host("b", memory: 12), Self.host("c", memory: 8)]
        let decisions = VMPlacer.place(
            [Self.vm("small", memory: 2), Self.vm("big", memory: 10), Self.vm("mid", memory: 6)],
            on: hosts)
        // big (10) → a (16 free, leaves 6); mid (6) → b (12 free, leaves 6); small (2) → c (8 free, the most now).
        #expect(decisions == ["big": .place(host: "a"), "mid": .place(host: "b"), "small": .place(host: "c")])
    }

    @Test("a VM stays on its host, even when another host has more free memory, and holds its place first")
    func stable() {
        let hosts = [Self.host("a", memory: 32), Self.host("b", memory: 8)]
        let decisions = VMPlacer.place([Self.vm("old", memory: 6, on: "b"), Self.vm("new", memory: 4)], on: hosts)
        #expect(decisions["old"] == .stay(host: "b"))
        #expect(decisions["new"] == .place(host: "a"))
        // b has 2 GiB left after old: a newcomer needing 3 cannot take old's place there.
        let full = VMPlacer.place(
            [Self.vm("old", memory: 6, on: "b"), Self.vm("new", memory: 3, placement: Placement(host: "b"))],
            on: hosts)
        #expect(full["old"] == .stay(host: "b"))
        #expect(
            full["new"]
                == .unschedulable(
                    reason: .unschedulable, message: "needs 3 GiB memory, largest free 2 GiB on b", from: nil))
    }

    @Test("a VM moves only when its host is Lost, gone, cordoned, or no longer allowed by its placement, and says why")
    func moves() {
        let hosts = [
            Self.host("a", memory: 16, lost: true), Self.host("b", memory: 16, cordoned: true),
            Self.host("c", memory: 16, labels: ["zone=x"]), Self.host("d", memory: 8, labels: ["zone=y"])
        ]
        let decisions = VMPlacer.place(
            [
                Self.vm("on-lost", memory: 1, on: "a"), Self.vm("on-gone", memory: 1, on: "z"),
                Self.vm("on-cordoned", memory: 1, on: "b"),
                Self.vm("relabelled", memory: 1, placement: Placement(labels: ["zone": "y"]), on: "c"),
                Self.vm("fine", memory: 1, placement: Placement(labels: ["zone": "x"]), on: "c")
            ], on: hosts)
        #expect(decisions["fine"] == .stay(host: "c"))
        #expect(decisions["on-lost"] == .move(from: "a", to: "c", reason: .hostLost))
        #expect(decisions["on-gone"] == .move(from: "z", to: "c", reason: .hostLost))
        #expect(decisions["on-cordoned"] == .move(from: "b", to: "c", reason: .hostCordoned))
        #expect(decisions["relabelled"] == .move(from: "c", to: "d", reason: .placementChanged))
        // Nothing is placed on a Lost or cordoned host.
        #expect(!decisions.values.contains { $0.host == "a" || $0.host == "b" })
    }

    @Test("placement.host and placement.labels choose among hosts; a host that does not exist is reported at once")
    func constraints() {
        let hosts = [
            Self.host("a", memory: 64, labels: ["gpu=yes"]), Self.host("b", memory: 4, labels: ["gpu=yes", "zone=x"]),
            Self.host("c", memory: 4, lost: true)
        ]
        let decisions = VMPlacer.place(
            [
                Self.vm("pinned", memory: 2, placement: Placement(host: "b")),
                Self.vm("zoned", memory: 1, placement: Placement(labels: ["gpu": "yes", "zone": "x"])),
                Self.vm("nowhere", memory: 1, placement: Placement(host: "q")),
                Self.vm("on-lost-host", memory: 1, placement: Placement(host: "c")),
                Self.vm("no-label", memory: 1, placement: Placement(labels: ["arch": "arm64"]))
            ], on: hosts)
        #expect(decisions["pinned"] == .place(host: "b"))
        #expect(decisions["zoned"] == .place(host: "b"))
        #expect(
            decisions["nowhere"]
                == .unschedulable(
                    reason: .unknownHost,
                    message: "placement.host q is not a host of the fleet (hosts: a, b, c)", from: nil))
        #expect(
            decisions["on-lost-host"]
                == .unschedulable(reason: .unschedulable, message: "placement.host c is Lost", from: nil))
        #expect(
            decisions["no-label"]
                == .unschedulable(reason: .unschedulable, message: "no available host has labels arch=arm64", from: nil)
        )
    }

    @Test("a VM that fits nowhere is Unschedulable with the figures, and no host is overcommitted")
    func unschedulable() {
        let hosts = [Self.host("a", cpus: 16, memory: 4), Self.host("b", cpus: 2, memory: 6)]
        let requests = [
            Self.vm("huge", memory: 8), Self.vm("wide", cpus: 4, memory: 5), Self.vm("a1", memory: 3),
            Self.vm("b1", cpus: 2, memory: 3), Self.vm("c1", memory: 2)
        ]
        let decisions = VMPlacer.place(requests, on: hosts)
        #expect(
            decisions["huge"]
                == .unschedulable(
                    reason: .unschedulable, message: "needs 8 GiB memory, largest free 6 GiB on b", from: nil))
        // wide needs 5 GiB (only b has it) and 4 CPUs (only a has them).
        guard case .unschedulable(.unschedulable, let message, nil)? = decisions["wide"] else {
            Issue.record("wide was placed: \(String(describing: decisions["wide"]))")
            return
        }
        #expect(message.hasPrefix("needs 4 CPUs and 5 GiB memory together; no host has both free"))
        // Among equal memory the one with more CPUs goes first: b1 to b (6 GiB free), then a1 to a (b has no CPU left).
        #expect(decisions["b1"] == .place(host: "b"))
        #expect(decisions["a1"] == .place(host: "a"))
        #expect(
            decisions["c1"]
                == .unschedulable(
                    reason: .unschedulable,
                    message:
                        "needs 1 CPU and 2 GiB memory together; no host has both free (largest free memory 3 GiB on b, most free CPUs 15 on a)",
                    from: nil))
        for host in hosts {
            let placed = requests.filter { decisions[$0.vm]?.host == host.name }
            #expect(placed.map(\.memoryBytes).reduce(0, +) <= host.memoryBytes)
            #expect(placed.map(\.cpus).reduce(0, +) <= host.cpus)
        }
        // No host at all.
        #expect(
            VMPlacer.place([Self.vm("x", memory: 1)], on: []) == [
                "x": .unschedulable(
                    reason: .unschedulable, message: "no host is available (every host is Lost or cordoned)", from: nil)
            ])
    }

    @Test("a VM's needs and placement come from its spec")
    func fromSpec() {
        let spec: SpecValue = .object([
            "image": .string("web"), "cpus": .int(2), "memory": .string("1536mib"),
            "placement": .object(["labels": .object(["zone": .string("x")])])
        ])
        let request = PlacementRequest(vm: "web-1", spec: spec, current: "a")
        #expect(request.cpus == 2 && request.memoryBytes == 1536 << 20 && request.current == "a")
        #expect(request.placement == Placement(labels: ["zone": "x"]))
        #expect(
            PlacementRequest(vm: "v", spec: .object(["image": .string("web")]), current: nil).placement == Placement()
        )
        // Running where it is allowed, it stays; placed anew, it does not fit.
        let host = Self.host("a", memory: 1, labels: ["zone=x"])
        #expect(VMPlacer.place([request], on: [host])["web-1"] == .stay(host: "a"))
        var fresh = request
        fresh.current = nil
        #expect(
            VMPlacer.place([fresh], on: [host])["web-1"]
                == .unschedulable(
                    reason: .unschedulable, message: "needs 1.5 GiB memory, largest free 1 GiB on a", from: nil))
    }
}
