import Foundation
import KilnCatalog
import KilnPlanner
import KilnSpec
import KilnTestSupport
import Testing

@Suite("Planner: images and VMs")
struct PlannerImageVMTests {
    @Test("a new image and VM wait for the build; the VM does not fail")
    func waiting() {
        let desired = Fixture.snapshot([
            Specs.build("b", token: nil), Specs.image("i", build: "b"), Specs.vm("v", image: "i", powerState: "running")
        ])
        let plan = Fixture.plan(desired, CatalogState())
        #expect(
            Fixture.verbs(plan) == [
                "create ImageBuild/b", "run ImageBuild/b", "create Image/i", "create VirtualMachine/v"
            ])
        #expect(plan.notes[ObjectKey(.image, "i")]?.first?.reason == .waiting)
        #expect(plan.notes[ObjectKey(.virtualMachine, "v")]?.first?.message == "Image i is not ready (QUEUED)")
    }

    @Test("a new successful execution moves the image and recreates the VM on it, in one pass")
    func resolveAndRecreate() {
        let desired = Fixture.snapshot([
            Specs.build("b", token: nil), Specs.image("i", build: "b"), Specs.vm("v", image: "i", powerState: "running")
        ])
        var actual = Fixture.settled(desired)
        let inputs = actual.builds["b"]!.inputsHash
        actual.executions["b"]!.append(Fixture.execution("b", 2, .success, inputs: inputs, id: 7))
        actual.virtualImages[7] = [
            VirtualImageRecord(
                id: 700, executionId: 7, buildName: "b", buildNumber: 2, name: "b-2",
                format: "qcow2", path: "/a/b-2.qcow2", size: 1, sha256: "new",
                createdAt: Date())
        ]
        let plan = Fixture.plan(desired, actual)
        #expect(Fixture.verbs(plan) == ["resolve Image/i", "recreate VirtualMachine/v"])
        guard case .recreateVM(_, let image, let reason) = plan.actions[1] else { return }
        #expect(image.sha256 == "new" && image.version == 1)
        #expect(reason.contains("Image i changed"))
    }

    @Test("a catalog-only image (no source) is active at once; a VM on it is stalled, saying why")
    func catalogOnly() {
        let desired = Fixture.snapshot([Specs.image("i", build: nil), Specs.vm("v", image: "i", powerState: "running")])
        let plan = Fixture.plan(desired, CatalogState())
        #expect(Fixture.verbs(plan) == ["create Image/i", "create VirtualMachine/v"])
        #expect(plan.notes[ObjectKey(.virtualMachine, "v")]?.first?.reason == .unsupported)
    }

    @Test("a VM provisions in the pass its image becomes ready")
    func provisionWhenReady() {
        let desired = Fixture.snapshot([
            Specs.build("b", token: nil), Specs.image("i", build: "b"), Specs.vm("v", image: "i", powerState: "running")
        ])
        var actual = Fixture.settled(desired)
        actual.vms["v"]!.directory = nil
        #expect(Fixture.verbs(Fixture.plan(desired, actual)) == ["provision VirtualMachine/v"])
    }

    /// (VM spec after, actions)
    static let vmChanges: [(String, [String])] = [
        (
            Specs.vm("v", image: "i", cpus: 2, powerState: "running"),
            ["update VirtualMachine/v", "recreate VirtualMachine/v"]
        ),
        (Specs.vm("v", image: "i", powerState: "stopped"), ["update VirtualMachine/v", "stop VirtualMachine/v"]),
        (Specs.vm("v", image: "i", cpus: 4, powerState: "running", suspend: true), ["update VirtualMachine/v"]),
        // A port forward is part of qemu's command line: the machine is made again.
        (
            Specs.vm("v", image: "i", powerState: "running") + "  forwards: [{host: 2222, guest: 22}]\n",
            ["update VirtualMachine/v", "recreate VirtualMachine/v"]
        )
    ]

    @Test("VM spec changes", arguments: vmChanges)
    func vmChange(_ change: (String, [String])) {
        let before = Fixture.snapshot([
            Specs.build("b", token: nil), Specs.image("i", build: "b"), Specs.vm("v", image: "i", powerState: "running")
        ])
        let after = Fixture.snapshot([Specs.build("b", token: nil), Specs.image("i", build: "b"), change.0])
        #expect(Fixture.verbs(Fixture.plan(after, Fixture.settled(before))) == change.1)
    }

    @Test("a new version of a VM's cloudInit.userData file recreates it, and the plan says why; the same file does not")
    func userDataChange() throws {
        let vm = Specs.vm("v", image: "i", powerState: "running") + "  cloudInit: {userData: cloud/v.yaml}\n"
        func snapshot(_ userData: String) -> Snapshot {
            Fixture.snapshot(
                [Specs.build("b", token: nil), Specs.image("i", build: "b"), vm],
                scripts: ["scripts/provision.sh": Fixture.script, "cloud/v.yaml": userData])
        }
        let before = snapshot("#cloud-config\npackages: [nginx]\n")
        #expect(Fixture.plan(before, Fixture.settled(before)).actions.isEmpty)
        let plan = Fixture.plan(snapshot("#cloud-config\npackages: [nginx, curl]\n"), Fixture.settled(before))
        #expect(Fixture.verbs(plan) == ["recreate VirtualMachine/v"])
        guard case .recreateVM(_, _, let reason)? = plan.actions.first else { return }
        #expect(reason == "cloudInit.userData cloud/v.yaml changed")
        // Giving a VM user-data at all (or another file) is a change of the spec: recreated too.
        let plain = Fixture.snapshot([
            Specs.build("b", token: nil), Specs.image("i", build: "b"), Specs.vm("v", image: "i", powerState: "running")
        ])
        #expect(
            Fixture.verbs(Fixture.plan(before, Fixture.settled(plain))) == [
                "update VirtualMachine/v", "recreate VirtualMachine/v"
            ])
    }

    @Test("a stopped VM that git wants running is started")
    func start() {
        let desired = Fixture.snapshot([
            Specs.build("b", token: nil), Specs.image("i", build: "b"), Specs.vm("v", image: "i", powerState: "running")
        ])
        var actual = Fixture.settled(desired)
        actual.vms["v"]!.vmStatus = .poweredOff
        #expect(Fixture.verbs(Fixture.plan(desired, actual)) == ["start VirtualMachine/v"])
    }

    @Test("deletions come first, in reverse dependency order")
    func deletionOrder() {
        let before = Fixture.snapshot([
            Specs.build("b", token: nil), Specs.image("i", build: "b"),
            Specs.vm("v", image: "i", powerState: "running"),
            Specs.build("keep", token: nil)
        ])
        let after = Fixture.snapshot([Specs.build("keep", token: nil)])
        let plan = Fixture.plan(after, Fixture.settled(before))
        let order = plan.phases.flatMap { $0 }.map { "\($0.verb) \($0.key)" }
        #expect(order == ["delete VirtualMachine/v", "delete Image/i", "delete ImageBuild/b"])
    }
}

@Suite("Planner: deletion budget and tombstones")
struct PlannerSafetyTests {
    static func many(_ n: Int, keep: Int) -> (Snapshot, Snapshot) {
        let all = (0..<n).map { Specs.image("i\($0)", build: nil) }
        return (Fixture.snapshot(all), Fixture.snapshot(Array(all.prefix(keep))))
    }

    /// (objects before, objects kept, destructive?)
    static let budgets: [(Int, Int, Bool)] = [
        (10, 9, false), (10, 8, false), (10, 7, true), (10, 4, true), (2, 1, false), (4, 2, true), (4, 3, false),
        (20, 16, false),
        (30, 24, true), (1, 0, true)
    ]

    @Test(
        "more than 5 deletions, or more than 25% of a kind (two or more), or everything, is destructive",
        arguments: budgets)
    func budget(_ row: (Int, Int, Bool)) {
        let (before, after) = Self.many(row.0, keep: row.1)
        let plan = Fixture.plan(after, Fixture.settled(before))
        #expect(
            (plan.destructive != nil) == row.2, "\(row.0) → \(row.1): \(plan.destructive?.why ?? "not destructive")")
        if let d = plan.destructive { #expect(d.deletions.count == row.0 - row.1) }
    }

    @Test("an empty spec root is always destructive")
    func emptyRoot() {
        let before = Fixture.snapshot([Specs.build("b", token: nil)])
        let plan = Fixture.plan(Snapshot.empty, Fixture.settled(before))
        #expect(plan.destructive?.why.contains("no objects") == true)
    }

    static func tombstone(for build: String, in state: CatalogState, purgeAfter: Date) -> TombstoneRecord {
        let contents = TombstoneContents(
            build: state.builds[build], executions: state.executions[build] ?? [],
            virtualImages: state.executions[build]!.flatMap { state.virtualImages[$0.id!] ?? [] })
        return TombstoneRecord(
            id: 1, objectKind: "ImageBuild", objectName: build, contentHash: "", records: contents.encoded(),
            paths: [], deletedAt: Date(timeIntervalSince1970: 0), purgeAfter: purgeAfter)
    }

    @Test("a build deleted within the grace comes back from its tombstone without a rebuild")
    func restore() {
        let desired = Fixture.snapshot([Specs.build("b", token: nil)])
        let settled = Fixture.settled(desired)
        var actual = CatalogState()
        actual.tombstones = [
            Self.tombstone(for: "b", in: settled, purgeAfter: Fixture.policy.now.addingTimeInterval(60))
        ]
        #expect(Fixture.verbs(Fixture.plan(desired, actual)) == ["restore ImageBuild/b"])
    }

    @Test("past the grace, a tombstone is purged, and the object is built anew")
    func purge() {
        let desired = Fixture.snapshot([Specs.build("b", token: nil)])
        let settled = Fixture.settled(desired)
        var actual = CatalogState()
        actual.tombstones = [
            Self.tombstone(for: "b", in: settled, purgeAfter: Fixture.policy.now.addingTimeInterval(-1))
        ]
        #expect(
            Fixture.verbs(Fixture.plan(desired, actual)) == [
                "create ImageBuild/b", "run ImageBuild/b", "purge ImageBuild/b"
            ])
    }
}
