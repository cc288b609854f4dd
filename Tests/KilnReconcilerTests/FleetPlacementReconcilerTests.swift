import Foundation
import GRDB
import KilnCatalog
import KilnPlanner
import KilnReconciler
import KilnSpec
import KilnTestSupport
import Synchronization
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

    /// Host b: its own data dir and VM driver, on the harness's catalog and source.
    struct Host {
        let name: String
        let catalog: any Catalog
        let paths: DataPaths
        let vms = RecordingVMDriver()
        let pass: HostPass
        let imports: ImageWorkRunner

        init(_ name: String, harness h: Harness, options: ReconcilerOptions, paths: DataPaths? = nil) throws {
            let paths =
                paths
                ?? DataPaths(
                    root: FileManager.default.temporaryDirectory.appendingPathComponent(
                        "kiln-host-\(UUID().uuidString)"
                    )
                    .path)
            try paths.prepare()
            self.name = name
            catalog = h.catalog
            self.paths = paths
            pass = HostPass(
                host: name, catalog: h.catalog, vms: vms, source: h.source, paths: paths, options: options,
                images: h.images)
            imports = ImageWorkRunner(
                host: name, catalog: h.catalog, vms: vms, images: h.images, paths: paths, options: options)
        }

        /// Claims and runs the image imports this host may take (as its `kiln serve` does), each finished under its
        /// claim.
        func runImports() async throws -> [WorkWorker.Outcome] {
            let worker = WorkWorker(
                catalog: catalog, host: name, labels: [Placement.hostLabel(name)], lease: .seconds(3600))
            return try await worker.runClaimed(capacity: .unbounded, limit: 8) { try await imports.run($0) }
        }
    }

    /// The leader (host a: the harness's reconciler) and host b on the harness's catalog, both beating.
    static func leaderAndHostB() async throws -> (Harness, Host) {
        var options = ReconcilerOptions(baseBackoff: 0.05, maxBackoff: 0.2, callbackBackoff: .milliseconds(10))
        options.fleetHost = "a"
        options.importsAsWork = true
        let h = try Harness(options: options)
        let b = try Host("b", harness: h, options: options)
        _ = try await h.catalog.heartbeat(Self.host("a"))
        _ = try await h.catalog.heartbeat(Self.host("b"))
        return (h, b)
    }

    /// Leader passes and both hosts' passes until `done` holds (a generous bound, never a fixed wait).
    static func converge(
        _ h: Harness, _ hosts: [Host], until done: @Sendable (CatalogState) -> Bool
    ) async throws -> CatalogState {
        for _ in 0..<50 {
            _ = await h.reconciler.pass(full: true)
            for host in hosts { _ = await host.pass.pass() }
            _ = await h.reconciler.pass(full: true)
            let state = try await h.state()
            if done(state) { return state }
        }
        return try await h.state()
    }

    /// Leader a and host b, both beating, settled on the quickstart without its VMs.
    static func settledWithoutVMs(_ options: ReconcilerOptions) async throws -> Harness {
        let h = try Harness(options: options)
        do {
            _ = try await h.catalog.heartbeat(Self.host("a"))
            _ = try await h.catalog.heartbeat(Self.host("b"))
        } catch {
            h.remove()
            throw error
        }
        var files = Harness.quickstart()
        files["vms.yaml"] = nil
        await h.source.commit("c1", files)
        #expect(await h.settle().settled)
        return h
    }

    /// Moves host `name`'s last heartbeat back, as if it had stopped beating then.
    static func lastBeat(_ h: Harness, _ name: String, secondsAgo: TimeInterval) async throws {
        let db = try DatabaseQueue(path: h.paths.catalog)
        try await db.write { db in
            try db.execute(
                sql: "UPDATE host SET heartbeatAt = ? WHERE name = ?",
                arguments: [Date().addingTimeInterval(-secondsAgo), name])
        }
    }

    @Test(
        "the leader places and records VMs and makes none; each host makes those placed on it; a Lost host's VM moves")
    func placesAndHostsMakeTheirOwn() async throws {
        var options = ReconcilerOptions(baseBackoff: 0.05, maxBackoff: 0.2, callbackBackoff: .milliseconds(10))
        options.fleetHost = "a"
        let h = try Harness(options: options)
        let a = try Host("a", harness: h, options: options, paths: h.paths)
        let b = try Host("b", harness: h, options: options)
        defer {
            h.remove()
            try? FileManager.default.removeItem(atPath: b.paths.root)
        }
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
        var vms = try await Self.converge(h, [a, b]) {
            $0.vms["hello"]?.vmStatus == .poweredOn && $0.vms["there"]?.vmStatus == .poweredOn
        }
        #expect(vms.vms["hello"]?.host == "a" && vms.vms["there"]?.host == "b" && vms.vms["nowhere"]?.host == nil)
        let leaderCalls = await h.vms.calls
        #expect(leaderCalls.isEmpty, "the leader's reconciler makes no machine: \(leaderCalls)")
        #expect(await a.vms.calls == ["provision hello"])
        #expect(await b.vms.calls == ["provision there"])
        #expect(vms.vms["there"]?.directory?.hasPrefix(b.paths.vms) == true)
        #expect(vms.vms["there"]?.machineSpec == vms.vms["there"]?.spec)
        let nowhere = await h.status(.virtualMachine, "nowhere") ?? ""
        #expect(nowhere.contains("UnknownHost") && nowhere.contains("placement.host c is not a host of the fleet"))
        let there = await h.status(.virtualMachine, "there") ?? ""
        #expect(there.contains("host: b") && there.contains("Running"), "\(there)")

        // A new spec: the leader writes it without touching b's machine columns; b recreates for the new cpus.
        files["vm2.yaml"] =
            Specs.vm("there", image: "busybox", cpus: 2, powerState: "running") + "  placement: {host: b}\n"
        await h.source.commit("c2", files)
        _ = await h.reconciler.pass()
        let written = try #require(try await h.state().vms["there"])
        #expect(written.typed.cpus == 2 && written.vmStatus == .poweredOn && written.pid != nil)
        vms = try await Self.converge(h, [a, b]) { $0.vms["there"]?.machineSpec?["cpus"] == .int(2) }
        #expect(await b.vms.calls == ["provision there", "destroy there", "provision there"])
        // What b's running VM takes is what b's build claims leave to it.
        let running = await b.pass.pass()
        #expect(
            running.reserved.cpus == 2 && running.reserved.memoryBytes == Int64(written.typed.memory.bytes),
            "\(running.reserved)")

        // b stops beating (its lease long past): "there" moves to a, naming b; a makes it; b, back, removes its own.
        _ = try await h.catalog.heartbeat(Self.host("b", lease: 1))
        try await Self.lastBeat(h, "b", secondsAgo: 3600)
        files["vm2.yaml"] = Specs.vm("there", image: "busybox", cpus: 2, powerState: "running")
        await h.source.commit("c3", files)
        vms = try await Self.converge(h, [a]) {
            $0.vms["there"]?.host == "a" && $0.vms["there"]?.vmStatus == .poweredOn
        }
        let moved = try #require(vms.vms["there"])
        #expect(moved.placementReason?.hasPrefix("HostLost: b was lost") == true, "\(moved)")
        #expect(moved.directory?.hasPrefix(h.paths.vms) == true)
        #expect(await a.vms.calls == ["provision hello", "provision there"])
        let leftover = b.paths.vm(uuid: moved.uuid)
        #expect(FileManager.default.fileExists(atPath: leftover))
        let report = await b.pass.pass()
        #expect(report.removed == [leftover] && report.vms.isEmpty && report.reserved.cpus == 0)
        #expect(!FileManager.default.fileExists(atPath: leftover))
        #expect(await b.vms.calls.last == "destroy there")
        // b's late write of its old machine is refused by the placement.
        #expect(try await h.catalog.saveVMMachine(written, host: "b") == false)
        #expect(try await h.state().vms["there"]?.directory == moved.directory)
    }

    @Test(
        "a host lost on a quiet commit: the leader looks again at once, and an Image whose only copy it held is Unavailable until it returns"
    )
    func lostHostOnAQuietCommit() async throws {
        var options = ReconcilerOptions(baseBackoff: 0.05, maxBackoff: 0.2, callbackBackoff: .milliseconds(10))
        options.fleetHost = "a"
        // Which copy lies where is the drivers' rule (ArtifactAccess, tested there); here b holds every Image's only
        // copy.
        options.lostCopy = { image, fleet in
            fleet.hosts.first { $0.name == "b" && fleet.state(of: $0) == .lost }
                .map { FleetHosts.onlyCopyLost(image: image.name, owner: $0) }
        }
        let h = try await Self.settledWithoutVMs(options)
        defer { h.remove() }
        let image = ObjectKey(.image, "busybox")
        #expect(await h.reconciler.pass().timings.isEmpty, "settled on one commit: a quiet pass")

        // No commit, but b stopped beating a lease ago: the next pass looks at everything.
        try await Self.lastBeat(h, "b", secondsAgo: 3600)
        let lost = await h.reconciler.pass()
        #expect(!lost.timings.isEmpty, "a host lost: not a quiet pass")
        #expect(lost.outcomes.isEmpty, "nothing rebuilt behind the operator's back: \(lost.outcomes)")
        #expect(lost.objects[image]?.reason == "Unavailable")
        #expect(
            lost.objects[image]?.message.hasPrefix("the only copy of image busybox is on host b, which is Lost") == true
        )
        let status = await h.status(.image, "busybox") ?? ""
        #expect(status.contains("Unavailable") && status.contains("usable again once that host returns"), "\(status)")
        #expect(await h.reconciler.pass().timings.isEmpty, "nothing changed since: quiet again")

        // b beats again: the Image is Active again.
        _ = try await h.catalog.heartbeat(Self.host("b"))
        let back = await h.reconciler.pass()
        #expect(
            !back.timings.isEmpty && back.objects[image]?.reason == "Active",
            "\(back.objects[image].map(\.reason) ?? "")")
    }

    @Test("after a catalog outage, the leader's quiet passes stay quiet while no host has missed a lease it watched")
    func quietPassesAfterACatalogOutage() async throws {
        var options = ReconcilerOptions(baseBackoff: 0.05, maxBackoff: 0.2, callbackBackoff: .milliseconds(10))
        options.fleetHost = "a"
        // The leader's election session has reached the catalog for 5 s (Leadership.sessionAge in kiln serve).
        options.catalogWatched = { .seconds(5) }
        let h = try await Self.settledWithoutVMs(options)
        defer { h.remove() }

        // b's last beat is an hour old, as after a catalog outage: it is not Lost to a leader that watched 5 s, so
        // nothing about the fleet changed and the pass stays quiet.
        try await Self.lastBeat(h, "b", secondsAgo: 3600)
        #expect(await h.reconciler.pass().timings.isEmpty, "no host is Lost to this leader: a quiet pass")
    }

    @Test(
        "after a catalog outage the leader moves nothing until a host has missed a whole lease the leader itself watched"
    )
    func catalogOutageLosesNoHost() async throws {
        // How long the leader's election session has reached the catalog (Leadership.sessionAge in kiln serve).
        let watched = Mutex(Duration.seconds(5))
        var options = ReconcilerOptions(baseBackoff: 0.05, maxBackoff: 0.2, callbackBackoff: .milliseconds(10))
        options.fleetHost = "a"
        options.catalogWatched = { watched.withLock { $0 } }
        let h = try Harness(options: options)
        let b = try Host("b", harness: h, options: options)
        defer {
            h.remove()
            try? FileManager.default.removeItem(atPath: b.paths.root)
        }
        _ = try await h.catalog.heartbeat(Self.host("a"))
        _ = try await h.catalog.heartbeat(Self.host("b", lease: 60))
        var files = Harness.quickstart()
        files["vms.yaml"] = Specs.vm("there", image: "busybox", powerState: "running") + "  placement: {host: b}\n"
        await h.source.commit("c1", files)
        _ = await h.settle()
        _ = try await Self.converge(h, [b]) { $0.vms["there"]?.vmStatus == .poweredOn }

        // The catalog was down for an hour, and the leader's session came back 5 s ago: b has not missed a lease
        // that anyone could see, so "there" stays on b, though it may now run anywhere.
        try await Self.lastBeat(h, "b", secondsAgo: 3600)
        files["vms.yaml"] = Specs.vm("there", image: "busybox", powerState: "running")
        files["vm2.yaml"] = Specs.vm("other", image: "busybox", powerState: "running")
        await h.source.commit("c2", files)
        _ = await h.reconciler.pass(full: true)
        let kept = try #require(try await h.state().vms["there"])
        #expect(kept.host == "b" && kept.placementReason?.hasPrefix("HostLost") != true, "\(kept)")
        #expect(try await h.state().vms["other"]?.host == "a", "the leader still places new VMs")

        // The leader has now watched for longer than b's lease without a beat: b is Lost and "there" moves.
        watched.withLock { $0 = .seconds(61) }
        let moved = try await Self.converge(h, []) { $0.vms["there"]?.host == "a" }
        #expect(moved.vms["there"]?.placementReason?.hasPrefix("HostLost: b was lost") == true)
    }

    @Test(
        "a snapshot is work for the host that runs the VM: that host checks that it is stopped and copies its own disk")
    func snapshotIsTheVMHostsWork() async throws {
        let (h, b) = try await Self.leaderAndHostB()
        defer {
            h.remove()
            try? FileManager.default.removeItem(atPath: b.paths.root)
        }
        var files = Harness.quickstart()
        files["vms.yaml"] = Specs.vm("hello", image: "busybox", powerState: "running") + "  placement: {host: b}\n"
        files["snap.yaml"] = Specs.snapshotImage("golden", of: "hello")
        await h.source.commit("c1", files)
        _ = await h.settle()
        let running = try await Self.converge(h, [b]) { $0.vms["hello"]?.vmStatus == .poweredOn }
        #expect(running.images["golden"]?.state == .queued, "no copy of a running guest")
        let converts = { try await h.catalog.work().filter { $0.kind == .convertImage } }
        #expect(try await converts().isEmpty)

        // Stopped by git: the leader applies it (hello still runs, so nothing is asked yet), then b stops it.
        files["vms.yaml"] = Specs.vm("hello", image: "busybox", powerState: "stopped") + "  placement: {host: b}\n"
        await h.source.commit("c2", files)
        _ = await h.reconciler.pass(full: true)
        #expect(try await converts().isEmpty)
        _ = await b.pass.pass()
        #expect(try await h.state().vms["hello"]?.vmStatus == .poweredOff)

        // The leader asks for the snapshot, once however many passes it makes, of host b only.
        _ = await h.reconciler.pass(full: true)
        _ = await h.reconciler.pass(full: true)
        let asked = try await converts()
        #expect(asked.count == 1 && asked.first?.labels == [Placement.hostLabel("b")], "\(asked)")
        #expect(asked.first?.workKey == "ConvertImage Image/golden v1")
        #expect(
            try await h.catalog.claimWork(
                host: "a", labels: [Placement.hostLabel("a")], capacity: .unbounded, limit: 8, lease: .seconds(60)
            ).isEmpty, "the leader's host has not the disk")
        #expect(await h.images.calls.isEmpty, "the leader copies nothing itself")

        // Host b claims it and copies the stopped disk into its own data dir, saving the Image under its claim.
        let outcomes = try await b.runImports()
        guard case .finished(let row)? = outcomes.first, outcomes.count == 1 else {
            Issue.record("b ran: \(outcomes)")
            return
        }
        #expect(row.state == .done && row.holder == "b")
        let golden = try #require(try await h.state().images["golden"])
        #expect(golden.state == .active && golden.version == 1)
        #expect(golden.path == b.paths.image(name: "golden", version: 1))
        #expect(try String(contentsOfFile: golden.path ?? "", encoding: .utf8).hasPrefix("snapshot of [overlay of"))
        _ = await h.reconciler.pass(full: true)
        #expect(try await converts().count == 1, "made once")
    }

    @Test("an import that fails on a host is reported as that host saw it; one that needs a change waits for a commit")
    func failedImportWork() async throws {
        let (h, b) = try await Self.leaderAndHostB()
        defer {
            h.remove()
            try? FileManager.default.removeItem(atPath: b.paths.root)
        }
        var files = Harness.quickstart()
        files["vms.yaml"] = nil
        let sum = "sha256:" + String(repeating: "a", count: 64)
        files["url.yaml"] = Specs.urlImage("fetched", url: "http://127.0.0.1:9/d.qcow2", checksum: sum)
        await h.images.fail("127.0.0.1:9", ActionFailure(.checksumMismatch, "the download's sha256 is b…"))
        await h.source.commit("c1", files)
        _ = await h.reconciler.pass(full: true)
        let fetches = { try await h.catalog.work().filter { $0.kind == .fetchImage } }
        #expect(try await fetches().map(\.workKey) == ["FetchImage Image/fetched v1"])

        _ = try await b.runImports()
        _ = await h.reconciler.pass(full: true)
        #expect(try await h.state().images["fetched"]?.state == .failed)
        let status = await h.status(.image, "fetched") ?? ""
        #expect(status.contains("on host b: the download's sha256 is b…"), "\(status)")
        // Terminal: nothing is asked again under this commit, however many passes.
        _ = await h.reconciler.pass(full: true)
        #expect(try await fetches().count == 1)

        // A new commit asks again; this time the download works.
        await h.images.fail("127.0.0.1:9", nil)
        files["note.txt"] = "again\n"
        await h.source.commit("c2", files)
        _ = await h.reconciler.pass(full: true)
        #expect(try await fetches().map(\.state) == [.failed, .queued])
        _ = try await b.runImports()
        let fetched = try #require(try await h.state().images["fetched"])
        #expect(fetched.state == .active && fetched.path == b.paths.image(name: "fetched", version: 1))
    }

    @Test("a VM deleted from git: the leader buries its record, its host removes the machine")
    func deletedVM() async throws {
        let (h, b) = try await Self.leaderAndHostB()
        defer {
            h.remove()
            try? FileManager.default.removeItem(atPath: b.paths.root)
        }
        var files = Harness.quickstart()
        files["vms.yaml"] = Specs.vm("hello", image: "busybox", powerState: "running") + "  placement: {host: b}\n"
        await h.source.commit("c1", files)
        _ = await h.settle()
        let made = try await Self.converge(h, [b]) { $0.vms["hello"]?.vmStatus == .poweredOn }
        let folder = try #require(made.vms["hello"]?.directory)
        files["vms.yaml"] = nil
        await h.source.commit("c2", files)
        _ = await h.reconciler.pass()
        #expect(try await h.state().vms["hello"] == nil)
        #expect(await h.vms.calls.isEmpty)
        let report = await b.pass.pass()
        #expect(report.removed == [folder])
        #expect(!FileManager.default.fileExists(atPath: folder))
        #expect(await b.vms.calls == ["provision hello", "destroy hello"])
    }

    @Test(
        "a host removes its machine of a VM placed nowhere, and leaves alone one not placed yet and a folder Kiln did not make"
    )
    func leftoverRules() async throws {
        var options = ReconcilerOptions()
        options.fleetHost = "a"
        options.importsAsWork = true
        let h = try Harness(options: options)
        let b = try Host("b", harness: h, options: options)
        defer {
            h.remove()
            try? FileManager.default.removeItem(atPath: b.paths.root)
        }
        let now = Date()
        for (name, reason) in [
            ("unplaced", nil), ("nowhere", "Unschedulable: needs 8 GiB memory, largest free 6 GiB on b")
        ] {
            var vm = VMRecord(
                name: name, uuid: "u-\(name)", spec: .object([:]), specHash: "s", contentHash: "c", revision: "r",
                file: "vms.yaml", line: 1, createdAt: now, updatedAt: now)
            vm.placementReason = reason
            _ = try await h.catalog.saveVM(vm)
            let folder = b.paths.vm(uuid: vm.uuid)
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try await h.catalog.addInventory(
                InventoryItem(type: .directory, owner: "VirtualMachine/\(name)", location: folder, createdAt: now))
        }
        let stray = b.paths.vm(uuid: "not-kilns")
        try FileManager.default.createDirectory(atPath: stray, withIntermediateDirectories: true)
        let report = await b.pass.pass()
        #expect(report.removed == [b.paths.vm(uuid: "u-nowhere")])
        #expect(await b.vms.calls == ["destroy nowhere"])
        #expect(FileManager.default.fileExists(atPath: b.paths.vm(uuid: "u-unplaced")))
        #expect(FileManager.default.fileExists(atPath: stray))
        #expect(try await h.catalog.isInInventory(location: b.paths.vm(uuid: "u-nowhere")) == false)
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
