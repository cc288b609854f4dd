import Foundation
import GRDB
import KilnCatalog
import KilnReconciler
import KilnSpec
import KilnTestSupport
import Testing

@Suite("Reconciler with recording drivers")
struct ReconcilerTests {
    @Test("a new repository converges: build runs, image resolves, VM provisions; status files say Ready")
    func converges() async throws {
        let h = try Harness()
        defer { h.remove() }
        await h.source.commit("c1", Harness.quickstart())
        let report = await h.settle()
        #expect(report.settled && report.allReady, "\(report.objects)")
        let state = try await h.state()
        #expect(state.executions["busybox"]?.map(\.buildNumber) == [1])
        #expect(state.images["busybox"]?.state == .active)
        #expect(state.images["busybox"]?.version == 1)
        #expect(state.vms["hello"]?.vmStatus == .poweredOn)
        let calls = await h.vms.calls
        #expect(calls == ["provision hello"], "\(calls)")
        let again = await h.reconciler.pass()
        #expect(again.outcomes.isEmpty, "\(again.outcomes.map(\.action.summary))")
        #expect(again.settled)
        let build = try #require(await h.status(.imageBuild, "busybox"))
        #expect(build.contains("- type: Ready\n  status: \"True\"\n  reason: Succeeded"))
        #expect(build.contains("observedRevision: c1"))
        #expect(await h.status(.virtualMachine, "hello")?.contains("status: powered-on") == true)
        #expect(h.syncStatus().contains("result: \"0 actions (0 failed), 3/3 ready\""))
        #expect(h.syncStatus().contains("commit: c1"))
    }

    @Test(
        "an invalid commit is refused with its author and errors; the last good one stays; a newer valid one applies at once"
    )
    func refusesInvalid() async throws {
        let h = try Harness()
        defer { h.remove() }
        await h.source.commit("c1", Harness.quickstart())
        _ = await h.settle()
        var broken = Harness.quickstart()
        broken["vms.yaml"] = Specs.vm("hello", image: "busybox", memory: "1gb", powerState: "running")
        await h.source.commit("c2", broken, author: "Mallory", message: "bump memory")
        let refused = await h.reconciler.pass()
        #expect(refused.appliedCommit == "c1")
        #expect(refused.refusal == .invalid)
        #expect(
            refused.refusalErrors.first?.description.contains("vms.yaml:8:11: spec.memory: \"1gb\" is not an IEC size")
                == true)
        #expect(h.syncStatus().contains("author: Mallory"))
        #expect(h.syncStatus().contains("reason: invalid"))
        #expect(try await h.state().vms["hello"]?.spec["memory"] == .string("128mib"))

        await h.source.commit("c3", Harness.quickstart(cpus: 2))
        let fixed = await h.settle()
        #expect(fixed.appliedCommit == "c3")
        #expect(fixed.refusal == nil)
        #expect(!h.syncStatus().contains("Mallory"))
        #expect(try await h.state().vms["hello"]?.spec["cpus"] == .int(2))
    }

    @Test("a new token runs the build again; numbers rise; keepResults prunes the oldest with its files")
    func tokenAndPrune() async throws {
        let h = try Harness()
        defer { h.remove() }
        await h.source.commit("c1", Harness.quickstart(token: "1", keep: 2))
        _ = await h.settle()
        for (i, token) in ["2", "3"].enumerated() {
            await h.source.commit("c\(i + 2)", Harness.quickstart(token: token, keep: 2))
            _ = await h.settle()
        }
        let state = try await h.state()
        #expect(state.executions["busybox"]?.map(\.buildNumber) == [2, 3])
        #expect(!FileManager.default.fileExists(atPath: h.paths.artifacts(build: "busybox", number: 1)))
        #expect(FileManager.default.fileExists(atPath: h.paths.artifacts(build: "busybox", number: 3)))
        #expect(state.images["busybox"]?.path?.contains("/3/") == true)
        #expect(state.images["busybox"]?.version == 3, "each new execution raises the Image's MWS version")
        #expect(
            await h.vms.calls == [
                "provision hello", "destroy hello", "provision hello", "destroy hello", "provision hello"
            ])
    }

    @Test("a deleted build's files wait in the tombstone area; a revert within the grace restores it without a rebuild")
    func tombstoneRevert() async throws {
        let h = try Harness()
        defer { h.remove() }
        let files = Harness.quickstart().merging(["other.yaml": Specs.build("other", token: nil)]) { $1 }
        await h.source.commit("c1", files)
        _ = await h.settle()
        let artifacts = h.paths.artifacts(build: "other", number: 1)
        #expect(FileManager.default.fileExists(atPath: artifacts))
        var without = files
        without["other.yaml"] = nil
        await h.source.commit("c2", without)
        _ = await h.settle()
        #expect(!FileManager.default.fileExists(atPath: artifacts))
        #expect(try await h.state().tombstones.count == 1)
        #expect(await h.status(.imageBuild, "other") == nil)

        await h.source.commit("c3", files)
        let report = await h.settle()
        #expect(report.allReady)
        #expect(FileManager.default.fileExists(atPath: artifacts))
        #expect(try await h.state().tombstones.isEmpty)
        #expect(await h.builds.started.filter { $0.hasPrefix("other") } == ["other#1"])
    }

    @Test("past the prune grace the tombstone's files are purged")
    func purge() async throws {
        let h = try Harness(options: ReconcilerOptions(pruneGrace: 0, baseBackoff: 0.05))
        defer { h.remove() }
        let files = Harness.quickstart().merging(["other.yaml": Specs.build("other", token: nil)]) { $1 }
        await h.source.commit("c1", files)
        _ = await h.settle()
        var without = files
        without["other.yaml"] = nil
        await h.source.commit("c2", without)
        _ = await h.settle()
        #expect(try await h.state().tombstones.isEmpty)
        let left = try FileManager.default.contentsOfDirectory(atPath: h.paths.tombstones)
        #expect(left.isEmpty, "\(left)")
    }

    @Test("a plan over the deletion budget is refused and reported, unless the commit says Kiln-Allow-Destructive")
    func destructive() async throws {
        let h = try Harness()
        defer { h.remove() }
        var files = Harness.quickstart()
        for i in 0..<8 { files["img\(i).yaml"] = Specs.image("catalog\(i)") }
        await h.source.commit("c1", files)
        _ = await h.settle()
        await h.source.commit("c2", Harness.quickstart(), message: "drop the catalog")
        let refused = await h.reconciler.pass()
        #expect(refused.refusal == .destructive)
        #expect(refused.refusalDeletions.contains("Image/catalog0"))
        #expect(h.syncStatus().contains("reason: destructive"))
        #expect(try await h.state().images.count == 9)

        await h.source.commit("c3", Harness.quickstart(), message: "drop the catalog\n\nKiln-Allow-Destructive: true")
        let applied = await h.settle()
        #expect(applied.appliedCommit == "c3" && applied.refusal == nil)
        #expect(try await h.state().images.count == 1)
    }

    @Test("one failing object does not stop the others; it is retried with backoff and recovers")
    func isolationAndRetry() async throws {
        let h = try Harness()
        defer { h.remove() }
        var files = Harness.quickstart()
        files["vm2.yaml"] = Specs.vm("second", image: "busybox", powerState: "running")
        await h.vms.fail("hello", "qemu exploded")
        await h.source.commit("c1", files)
        var failing = await h.reconciler.pass()
        let deadline = ContinuousClock.now + .seconds(600)  // only catches a hang: under load a pass takes seconds
        while await h.vms.calls.filter({ $0 == "provision hello" }).count < 2, ContinuousClock.now < deadline {
            // Past the backoff (at most 0.24 s here) on the reconciler's clock: no waiting for it in real time.
            h.clock.advance(by: 1)
            try await Task.sleep(for: .milliseconds(20))
            failing = await h.reconciler.pass()
        }
        #expect(failing.objects[ObjectKey(.virtualMachine, "second")]?.ready == true)
        #expect(failing.objects[ObjectKey(.virtualMachine, "hello")]?.ready == false)
        #expect(await h.status(.virtualMachine, "hello")?.contains("qemu exploded") == true)
        #expect(await h.status(.virtualMachine, "hello")?.contains("RetryScheduled") == true)
        let attempts = await h.vms.calls.filter { $0 == "provision hello" }.count
        #expect(attempts >= 2)

        await h.vms.fail("hello", nil)
        let recovered = await h.settle()
        #expect(recovered.allReady)
    }

    @Test("an execution whose process died with Kiln is marked interrupted and runs again under a new number")
    func interrupted() async throws {
        let h = try Harness()
        defer { h.remove() }
        await h.builds.behave("busybox", .hang)
        await h.source.commit("c1", Harness.quickstart())
        _ = await h.reconciler.pass()
        await h.builds.forgetRunning()
        await h.builds.behave("busybox", .succeed)
        let report = await h.settle()
        let executions = try await h.state().executions["busybox"] ?? []
        #expect(executions.map(\.buildNumber) == [1, 2])
        #expect(executions.first?.interrupted == true)
        #expect(executions.first?.errorMessage?.contains("interrupted") == true)
        #expect(report.allReady)
    }

    @Test("suspend stops new work for that object only")
    func suspend() async throws {
        let h = try Harness()
        defer { h.remove() }
        await h.source.commit("c1", Harness.quickstart())
        _ = await h.settle()
        var files = Harness.quickstart(token: "2")
        files["builds.yaml"] = Specs.build("busybox", keepResults: 2, token: "2", suspend: true)
        await h.source.commit("c2", files)
        _ = await h.settle()
        #expect(await h.builds.started == ["busybox#1"])
        #expect(await h.status(.imageBuild, "busybox")?.contains("reason: Suspended") == true)
    }

    @Test("a transition time changes only when a condition's status changes")
    func transitionTimes() async throws {
        let h = try Harness()
        defer { h.remove() }
        await h.source.commit("c1", Harness.quickstart())
        _ = await h.settle()
        let first = try #require(try await h.state().builds["busybox"]?.status.condition(.ready))
        // A minute later on the reconciler's clock: a transition time rewritten on each pass would show it.
        h.clock.advance(by: 60)
        await h.source.commit("c2", Harness.quickstart().merging(["x.yaml": Specs.image("x")]) { $1 })
        _ = await h.settle()
        let second = try #require(try await h.state().builds["busybox"]?.status.condition(.ready))
        #expect(first.lastTransitionTime == second.lastTransitionTime)
        #expect(second.status)
    }

    @Test("only one Kiln owns a data dir")
    func lock() throws {
        let h = try Harness()
        defer { h.remove() }
        let first = try DataDirLock(paths: h.paths)
        #expect(throws: DataDirLockError.self) { try DataDirLock(paths: h.paths) }
        do {
            _ = try DataDirLock(paths: h.paths)
        } catch {
            #expect("\(error)".contains("another Kiln (pid \(getpid())) owns the data dir"))
        }
        _ = first
    }

    @Test("when the source cannot be read, the applied state stays and the error is reported")
    func sourceDown() async throws {
        let h = try Harness()
        defer { h.remove() }
        await h.source.commit("c1", Harness.quickstart())
        _ = await h.settle()
        await h.source.failPolls(RecordingDriverError(message: "remote hung up"))
        let report = await h.reconciler.pass()
        #expect(report.sourceError?.contains("remote hung up") == true)
        #expect(report.appliedCommit == "c1")
        #expect(try await h.state().builds.count == 1)
    }
}

@Suite("Reconciler: terminal and transient failures")
struct FailurePolicyTests {
    @Test(
        "a terminal failure is reported as Stalled with its reason, settles at once and is not retried until the commit changes"
    )
    func terminal() async throws {
        let h = try Harness()
        defer { h.remove() }
        await h.vms.fail(
            "hello",
            ActionFailure(
                .noBridge, "VirtualMachine hello asks for a bridged network; start Kiln with --vm-bridge BRIDGE"))
        await h.source.commit("c1", Harness.quickstart())
        let report = await h.settle()
        #expect(report.settled, "a terminal failure must not keep --wait waiting")
        #expect(!report.allReady)
        let hello = try #require(report.objects[ObjectKey(.virtualMachine, "hello")])
        #expect(hello.reason == "NoBridge")
        #expect(hello.message.contains("--vm-bridge"))
        let status = try #require(await h.status(.virtualMachine, "hello"))
        #expect(status.contains("type: Stalled"), "\(status)")
        #expect(!status.contains("RetryScheduled"))
        #expect(try await h.state().vms["hello"]?.vmStatus == .failed)
        for _ in 0..<5 { _ = await h.reconciler.pass(full: true) }
        #expect(await h.vms.calls.filter { $0 == "provision hello" }.count == 1)

        await h.vms.fail("hello", nil)
        await h.source.commit("c2", Harness.quickstart(cpus: 2))
        let fixed = await h.settle()
        #expect(fixed.allReady, "\(fixed.objects)")
        #expect(await h.vms.calls.filter { $0 == "provision hello" }.count == 2)
    }

    @Test("a transient failure backs off and keeps the pass unsettled while it waits")
    func transient() async throws {
        let h = try Harness()
        defer { h.remove() }
        await h.vms.fail("hello", "qemu crashed")
        await h.source.commit("c1", Harness.quickstart())
        var report = await h.reconciler.pass()
        let deadline = Date().addingTimeInterval(600)  // only catches a hang: under load a pass takes seconds
        while await h.vms.calls.isEmpty, Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
            report = await h.reconciler.pass()
        }
        #expect(!report.settled)
        let status = try #require(await h.status(.virtualMachine, "hello"))
        #expect(status.contains("RetryScheduled"))
        #expect(!status.contains("type: Stalled"))
        #expect(try await h.state().vms["hello"]?.vmStatus != .failed)
    }
}

@Suite("Reconciler: VM drift and boot deadlines")
struct VMLifecycleTests {
    @Test(
        "a VM that dies behind Kiln's back is found by the next pass, quiet or not, reported Drifted, counted and restarted"
    )
    func drift() async throws {
        let h = try Harness()
        defer { h.remove() }
        await h.source.commit("c1", Harness.quickstart())
        _ = await h.settle()
        let quiet = await h.reconciler.pass()
        #expect(quiet.outcomes.isEmpty && quiet.drifted.isEmpty)
        await h.vms.set("hello", .poweredOff)

        let repaired = await h.reconciler.pass()
        #expect(repaired.drifted == [ObjectKey(.virtualMachine, "hello")])
        #expect(repaired.outcomes.map(\.action.summary) == ["start VirtualMachine/hello"])
        let vm = try #require(try await h.state().vms["hello"])
        #expect(vm.driftCount == 1)
        #expect(vm.lastDrift == "its process is gone while git asks for it running")
        #expect(vm.vmStatus == .poweredOn)
        let status = try #require(await h.status(.virtualMachine, "hello"))
        #expect(status.contains("drift:\n  at: "), "\(status)")
        #expect(status.contains("  count: 1\n  last: its process is gone while git asks for it running"), "\(status)")
        #expect(status.contains("restored after 1 drift"))
        #expect(await h.vms.calls.filter { $0 == "start hello" }.count == 1)
    }

    @Test("a new qemu process clears the VM's address and guest OS until its guest reports them again")
    func guestFactsClearedOnNewProcess() async throws {
        let h = try Harness()
        defer { h.remove() }
        await h.source.commit("c1", Harness.quickstart())
        _ = await h.settle()
        await h.vms.report("hello", address: "10.0.2.15")
        await h.vms.report("hello", guestOs: "Debian GNU/Linux 12 (bookworm)")
        _ = await h.reconciler.pass()
        let answered = try #require(try await h.state().vms["hello"])
        #expect(answered.ipAddress == "10.0.2.15" && answered.guestOs == "Debian GNU/Linux 12 (bookworm)")
        let before = await h.status(.virtualMachine, "hello") ?? ""
        #expect(before.contains("ipAddress: \"10.0.2.15\""), "\(before)")
        #expect(before.contains("guestOs: Debian GNU/Linux 12 (bookworm)\n"), "\(before)")

        // It dies; the next pass starts a new process, whose guest has not answered yet: what the old guest said
        // (it may have been another OS: the VM's disk could have been reinstalled) no longer shows.
        await h.vms.set("hello", .poweredOff)
        let repaired = await h.reconciler.pass()
        #expect(repaired.outcomes.map(\.action.summary) == ["start VirtualMachine/hello"])
        let restarted = try #require(try await h.state().vms["hello"])
        #expect(restarted.vmStatus == .poweredOn)
        #expect(restarted.ipAddress == nil, "the old process's address must not show")
        #expect(restarted.guestOs == nil, "the old process's guest OS must not show")
        _ = await h.reconciler.pass()
        let quiet = try #require(try await h.state().vms["hello"])
        #expect(quiet.ipAddress == nil && quiet.guestOs == nil)
        let after = await h.status(.virtualMachine, "hello") ?? ""
        #expect(!after.contains("10.0.2.15") && !after.contains("Debian"), "\(after)")

        // The new guest answers: what it says shows.
        await h.vms.report("hello", address: "10.0.2.16")
        await h.vms.report("hello", guestOs: "Alpine Linux v3.20")
        _ = await h.reconciler.pass()
        let again = try #require(try await h.state().vms["hello"])
        #expect(again.ipAddress == "10.0.2.16" && again.guestOs == "Alpine Linux v3.20")
    }

    @Test("status shows a VM's network: a nat VM's forwards, a host-only VM's bridge, tap device and MAC address")
    func networkInStatus() async throws {
        let h = try Harness()
        defer { h.remove() }
        var files = Harness.quickstart()
        files["vms.yaml"] =
            Specs.vm("hello", image: "busybox", powerState: "running") + "  forwards: [{host: 2222, guest: 22}]\n"
        files["vms2.yaml"] = Specs.vm("lab", image: "busybox", networkType: "hostonly", powerState: "running")
        await h.source.commit("c1", files)
        _ = await h.settle()
        let nat = try #require(await h.status(.virtualMachine, "hello"))
        #expect(
            nat.contains("network:\n  type: nat\n  forwards:\n  - guest: 22\n    host: \"127.0.0.1:2222\"\n"), "\(nat)")
        let unplugged = try #require(await h.status(.virtualMachine, "lab"))
        #expect(
            unplugged.contains("network:\n  type: hostonly\n  bridge: null\n  mac: null\n  tap: null\n"), "\(unplugged)"
        )

        // What the driver sees of the running VM is recorded by the next pass, quiet or not, and shown.
        await h.vms.plug("lab", VMNetworkAttachment(bridge: "kiln0", tap: "k0b5e2c1d9a8f", mac: "52:54:0b:5e:2c:1d"))
        _ = await h.reconciler.pass()
        let vm = try #require(try await h.state().vms["lab"])
        #expect(vm.bridge == "kiln0" && vm.tapDevice == "k0b5e2c1d9a8f" && vm.macAddress == "52:54:0b:5e:2c:1d")
        let plugged = try #require(await h.status(.virtualMachine, "lab"))
        #expect(
            plugged.contains(
                "network:\n  type: hostonly\n  bridge: kiln0\n  mac: \"52:54:0b:5e:2c:1d\"\n  tap: k0b5e2c1d9a8f\n"),
            "\(plugged)")
        #expect(plugged.contains("networkType: hostonly"), "the existing key stays")
    }

    @Test(
        "a catalog write that fails is logged, shown in the VM's status and the pass report, retried, and loses nothing"
    )
    func failedCatalogWrite() async throws {
        let h = try Harness()
        defer { h.remove() }
        await h.source.commit("c1", Harness.quickstart())
        _ = await h.settle()
        // A real SQLite failure, not a stand-in catalog: every write of a VM row is refused until the triggers go.
        let db = try DatabaseQueue(path: h.paths.catalog)
        try await db.write { db in
            for event in ["INSERT", "UPDATE"] {
                try db.execute(
                    sql:
                        "CREATE TRIGGER refuse_vm_\(event) BEFORE \(event) ON vm BEGIN SELECT RAISE(ABORT, 'injected: disk full'); END"
                )
            }
        }

        // The VM dies; the pass cannot record it.
        await h.vms.set("hello", .poweredOff)
        let first = await h.reconciler.pass()
        #expect(
            first.catalogErrors.contains {
                $0.contains("cannot record what VirtualMachine hello is doing") && $0.contains("injected: disk full")
            },
            "\(first.catalogErrors)")
        // A failed write is retried: the next pass is no quiet one, and it says so in the VM's status.
        let second = await h.reconciler.pass()
        #expect(!second.settled)
        #expect(!second.catalogErrors.isEmpty, "tried again")
        let status = await h.status(.virtualMachine, "hello") ?? ""
        #expect(
            status.contains("cannot record what VirtualMachine hello is doing")
                && status.contains("injected: disk full"), "\(status)")

        // The catalog takes writes again: the drift is recorded once and repaired.
        try await db.write { db in
            for event in ["INSERT", "UPDATE"] { try db.execute(sql: "DROP TRIGGER refuse_vm_\(event)") }
        }
        let settled = await h.settle()
        #expect(settled.catalogErrors.isEmpty && settled.settled)
        let vm = try #require(try await h.state().vms["hello"])
        #expect(vm.vmStatus == .poweredOn && vm.driftCount == 1, "\(vm.vmStatus) \(vm.driftCount)")
        #expect(await h.vms.calls.filter { $0 == "start hello" }.count == 1)
        let recovered = await h.status(.virtualMachine, "hello") ?? ""
        #expect(!recovered.contains("injected"), "\(recovered)")
    }

    @Test("launchGui is accepted and reported; the status says this headless host opens no window for it")
    func launchGuiOnAHeadlessHost() async throws {
        let h = try Harness()
        defer { h.remove() }
        var files = Harness.quickstart()
        files["vms2.yaml"] = Specs.vm("desk", image: "busybox", powerState: "running") + "  launchGui: true\n"
        await h.source.commit("c1", files)
        _ = await h.settle()
        #expect(try await h.state().vms["desk"]?.vmStatus == .poweredOn, "a GUI asked for does not stop the VM")
        let desk = try #require(await h.status(.virtualMachine, "desk"))
        #expect(desk.contains("launchGui: true"), "\(desk)")
        #expect(
            desk.contains(
                "gui: \"not shown: this host runs qemu headless (-display none), so launchGui opens no window\"\n")
                || desk.contains(
                    "gui: not shown: this host runs qemu headless (-display none), so launchGui opens no window\n"),
            "\(desk)")
        let hello = try #require(await h.status(.virtualMachine, "hello"))
        #expect(!hello.contains("gui:"), "no note for a VM that asks for no GUI: \(hello)")
    }

    @Test("a VM stopped while git asks for it stopped is no drift; one started behind Kiln's back is, and is stopped")
    func startedBehindOurBack() async throws {
        let h = try Harness()
        defer { h.remove() }
        var files = Harness.quickstart()
        files["vms.yaml"] = Specs.vm("hello", image: "busybox", powerState: "stopped")
        await h.source.commit("c1", files)
        _ = await h.settle()
        #expect(try await h.state().vms["hello"]?.vmStatus == .poweredOff)
        _ = await h.reconciler.pass()
        #expect(try await h.state().vms["hello"]?.driftCount == 0)
        await h.vms.set("hello", .poweredOn)
        let report = await h.reconciler.pass()
        #expect(report.drifted == [ObjectKey(.virtualMachine, "hello")])
        #expect(report.outcomes.map(\.action.summary) == ["stop VirtualMachine/hello"])
    }

    @Test(
        "a guest not ready within bootTimeout is reported BootTimeout with its console's last lines, keeps running, and no longer holds the pass"
    )
    func bootDeadline() async throws {
        let h = try Harness()
        defer { h.remove() }
        await h.vms.neverReady("hello")
        var files = Harness.quickstart()
        files["vms.yaml"] = Specs.vm("hello", image: "busybox", powerState: "running") + "  bootTimeout: 1s\n"
        await h.source.commit("c1", files)
        let report = await h.settle()
        #expect(report.settled)
        let hello = try #require(report.objects[ObjectKey(.virtualMachine, "hello")])
        #expect(hello.reason == "BootTimeout")
        #expect(hello.message.contains("Booting from Hard Disk..."))
        #expect(await h.vms.status("hello") == .poweredOn, "it keeps running")
        #expect(await h.status(.virtualMachine, "hello")?.contains("consoleTail:") == true)
    }
}

@Suite("Reconciler: VM error codes and what Kiln does not own")
struct VMErrorCodeTests {
    @Test(
        "a failing VM action leaves the VM builder service's error code in the catalog and the status; success clears it"
    )
    func codes() async throws {
        let h = try Harness()
        defer { h.remove() }
        await h.vms.fail("hello", ActionFailure(.noBridge, "no bridge: start Kiln with --vm-bridge BRIDGE"))
        await h.source.commit("c1", Harness.quickstart())
        _ = await h.settle()
        var vm = try #require(try await h.state().vms["hello"])
        #expect(vm.errorCode == "bad-request")
        let status = await h.status(.virtualMachine, "hello") ?? ""
        #expect(status.contains("\nerror:\n") && status.contains("\n  code: bad-request\n"), "\(status)")

        await h.vms.fail("hello", "qemu crashed")
        await h.source.commit("c2", Harness.quickstart(cpus: 2))
        _ = await h.reconciler.pass()
        vm = try #require(try await h.state().vms["hello"])
        #expect(vm.errorCode == "internal")
        #expect(vm.errorMessage == "qemu crashed")

        await h.vms.fail("hello", nil)
        let report = await h.settle()
        #expect(report.allReady)
        vm = try #require(try await h.state().vms["hello"])
        #expect(vm.errorCode == nil && vm.errorMessage == nil)
    }

    @Test("a folder under vms/ that no VM owns is reported in sync.yaml and left alone")
    func unownedFolder() async throws {
        let h = try Harness()
        defer { h.remove() }
        let stray = "\(h.paths.vms)/not-kilns"
        try FileManager.default.createDirectory(atPath: stray, withIntermediateDirectories: true)
        await h.source.commit("c1", Harness.quickstart())
        let report = await h.settle()
        #expect(report.unownedVMFolders == [stray])
        #expect(
            h.syncStatus().contains("unownedVMFolders:\n- \(stray)")
                || h.syncStatus().contains("unownedVMFolders:\n  - \(stray)"), "\(h.syncStatus())")
        #expect(FileManager.default.fileExists(atPath: stray))
    }
}

@Suite("Reconciler: VM callbacks")
struct CallbackTests {
    static func files(_ url: String = "http://127.0.0.1:9/ready", cpus: Int = 1) -> [String: String] {
        var files = Harness.quickstart(cpus: cpus)
        files["vms.yaml"] =
            Specs.vm("hello", image: "busybox", cpus: cpus, powerState: "running") + "  callbackUrl: \(url)\n"
        return files
    }

    @Test(
        "a VM that is up is called back once, with the VM builder service's JSON; not again on later passes or after a restart"
    )
    func once() async throws {
        let h = try Harness()
        defer { h.remove() }
        await h.source.commit("c1", Self.files())
        let report = await h.settle()
        #expect(report.settled && report.allReady)
        let posts = await h.callbacks.posts
        #expect(posts.count == 1)
        let body = try #require(SpecValue(json: posts.first?.json ?? ""))
        let vm = try #require(try await h.state().vms["hello"])
        #expect(body["id"] == .string(vm.uuid))
        #expect(body["status"] == .string("powered-on"))
        #expect(body["memory"] == .string("128.0mib"))
        #expect(body["network_type"] == .string("nat"))
        #expect(body["image"] == .string("busybox"))
        #expect(try await h.state().callbacks["hello"]?.map(\.delivered) == [true])
        #expect(await h.status(.virtualMachine, "hello")?.contains("state: delivered") == true)

        for _ in 0..<3 { _ = await h.reconciler.pass(full: true) }
        let restarted = Reconciler(
            source: h.source, catalog: h.catalog, builds: h.builds, vms: h.vms, paths: h.paths,
            callbacks: h.callbacks)
        _ = await restarted.settle(timeout: .seconds(600), interval: .milliseconds(20))
        #expect(await h.callbacks.posts.count == 1, "one success per VM generation, whatever restarts")
    }

    @Test("a failing listener is retried with backoff until it answers; each attempt is recorded")
    func retried() async throws {
        let h = try Harness()
        defer { h.remove() }
        await h.callbacks.answer([.status(500), .fail("connection refused")])
        await h.source.commit("c1", Self.files())
        _ = await h.settle()
        #expect(await h.callbacks.posts.count == 3)
        let attempts = try await h.state().callbacks["hello"] ?? []
        #expect(attempts.map(\.attempt) == [1, 2, 3])
        #expect(attempts.map(\.delivered) == [false, false, true])
        #expect(attempts.first?.httpStatus == 500)
    }

    @Test("a refused URL (a redirect to the metadata address) is not retried")
    func refused() async throws {
        let h = try Harness()
        defer { h.remove() }
        await h.callbacks.answer([.refuse("redirected to 169.254.169.254: a link-local address")])
        await h.source.commit("c1", Self.files())
        let report = await h.settle()
        #expect(report.settled)
        #expect(await h.callbacks.posts.count == 1)
        #expect(await h.status(.virtualMachine, "hello")?.contains("state: refused") == true)
    }

    @Test("a listener that hangs does not hold up passes, and the attempts stay bounded")
    func hanging() async throws {
        let h = try Harness(
            options: ReconcilerOptions(
                baseBackoff: 0.05, maxBackoff: 0.2, callbackAttempts: 2,
                callbackBackoff: .milliseconds(10)))
        defer { h.remove() }
        await h.callbacks.answer([], then: .hang)
        await h.source.commit("c1", Self.files())
        var report = await h.reconciler.pass()
        while await h.callbacks.posts.isEmpty { report = await h.reconciler.pass() }
        // The delivery hangs; passes go on (each returns) and report it as not settled.
        for _ in 0..<3 { report = await h.reconciler.pass() }
        #expect(!report.settled)
        await h.callbacks.release()
        while await h.callbacks.posts.count < 2 { _ = await h.reconciler.pass() }
        await h.callbacks.release()
        let settled = await h.settle()
        #expect(settled.settled)
        #expect(await h.callbacks.posts.count == 2, "bounded: two attempts in all")
    }

    @Test("a VM made again (a new generation) is called back again")
    func newGeneration() async throws {
        let h = try Harness()
        defer { h.remove() }
        await h.source.commit("c1", Self.files())
        _ = await h.settle()
        await h.source.commit("c2", Self.files(cpus: 2))
        _ = await h.settle()
        #expect(await h.callbacks.posts.count == 2)
        #expect(try await h.state().vms["hello"]?.generation == 2)
    }
}

@Suite("Reconciler: images from URLs and snapshots")
struct ImageSourceTests {
    static let sum = "sha256:" + String(repeating: "a", count: 64)

    static func urlImage(
        _ name: String, url: String = "https://images.example.org/disk.qcow2", checksum: String = sum
    ) -> String {
        Specs.urlImage(name, url: url, checksum: checksum)
    }

    @Test(
        "an Image from a URL is imported (QUEUED → ACTIVE, version 1) and a VM runs on it; a new checksum imports again and recreates the VM"
    )
    func url() async throws {
        let h = try Harness()
        defer { h.remove() }
        await h.source.commit(
            "c1", ["img.yaml": Self.urlImage("web"), "vm.yaml": Specs.vm("web-1", image: "web", powerState: "running")])
        let report = await h.settle()
        #expect(report.allReady, "\(report.objects)")
        var image = try #require(try await h.state().images["web"])
        #expect(image.state == .active && image.version == 1 && image.format == "qcow2")
        #expect(image.path == h.paths.image(name: "web", version: 1))
        #expect(await h.images.calls == ["https://images.example.org/disk.qcow2"])
        #expect(try await h.state().vms["web-1"]?.imagePath == image.path)

        let other = "sha256:" + String(repeating: "b", count: 64)
        await h.source.commit(
            "c2",
            [
                "img.yaml": Self.urlImage("web", checksum: other),
                "vm.yaml": Specs.vm("web-1", image: "web", powerState: "running")
            ])
        _ = await h.settle()
        image = try #require(try await h.state().images["web"])
        // The MWS version rises with each change of the entry: the spec (new checksum), then the new file.
        #expect(image.version == 3 && image.path == h.paths.image(name: "web", version: 3))
        #expect(await h.vms.calls.filter { $0 == "destroy web-1" }.count == 1, "recreated on the new image")
        #expect(
            !FileManager.default.fileExists(atPath: h.paths.image(name: "web", version: 1)),
            "the old file goes once no VM runs on it")
    }

    @Test("a checksum mismatch fails the Image (FAILED, ChecksumMismatch) and is not retried until git changes")
    func mismatch() async throws {
        let h = try Harness()
        defer { h.remove() }
        await h.images.fail(
            "disk.qcow2",
            ActionFailure(.checksumMismatch, "https://images.example.org/disk.qcow2 does not match its checksum"))
        await h.source.commit("c1", ["img.yaml": Self.urlImage("web")])
        let report = await h.settle()
        #expect(report.settled)
        #expect(report.objects[ObjectKey(.image, "web")]?.reason == "ChecksumMismatch")
        #expect(try await h.state().images["web"]?.state == .failed)
        for _ in 0..<3 { _ = await h.reconciler.pass(full: true) }
        #expect(await h.images.calls.count == 1)
    }

    @Test("a snapshot waits while its VM runs, is taken once it is stopped, and again for a new token")
    func snapshot() async throws {
        let h = try Harness()
        defer { h.remove() }
        var files = Harness.quickstart()
        files["snap.yaml"] = Specs.snapshotImage("golden", of: "hello")
        await h.source.commit("c1", files)
        var report = await h.settle()
        let waiting = try #require(report.objects[ObjectKey(.image, "golden")])
        #expect(
            !waiting.ready
                && waiting.message.contains("VirtualMachine hello is powered-on; a snapshot is taken of a stopped VM"))
        #expect(try await h.state().images["golden"]?.state == .queued)

        files["vms.yaml"] = Specs.vm("hello", image: "busybox", powerState: "stopped")
        await h.source.commit("c2", files)
        report = await h.settle()
        var golden = try #require(try await h.state().images["golden"])
        #expect(golden.state == .active && golden.version == 1)
        #expect(try String(contentsOfFile: golden.path ?? "", encoding: .utf8).hasPrefix("snapshot of [overlay of"))

        files["snap.yaml"] = Specs.snapshotImage("golden", of: "hello", token: "2")
        await h.source.commit("c3", files)
        _ = await h.settle()
        golden = try #require(try await h.state().images["golden"])
        #expect(golden.version == 3, "the spec (new token), then the new snapshot")
        #expect(await h.images.calls.count == 2)
    }

    @Test("deleting an Image that a VM still runs on waits, naming the VM; it goes once the VM is gone")
    func deletionWaits() async throws {
        let h = try Harness()
        defer { h.remove() }
        let files = [
            "img.yaml": Self.urlImage("web"), "vm.yaml": Specs.vm("web-1", image: "web", powerState: "running"),
            "other.yaml": Self.urlImage("other", url: "https://images.example.org/other.qcow2")
        ]
        await h.source.commit("c1", files)
        _ = await h.settle()
        // One commit moves the VM to another image and deletes the old one: the deletion waits for the VM.
        await h.source.commit(
            "c2",
            ["vm.yaml": Specs.vm("web-1", image: "other", powerState: "running"), "other.yaml": files["other.yaml"]!])
        let first = await h.reconciler.pass()
        #expect(first.refusal == nil)
        #expect(
            first.objects[ObjectKey(.image, "web")]?.message.contains("VirtualMachine web-1 still runs on it") == true,
            "\(String(describing: first.objects[ObjectKey(.image, "web")]))")
        #expect(!first.outcomes.contains { $0.action.summary == "delete Image/web" })
        _ = await h.settle()
        #expect(try await h.state().images["web"] == nil)
        #expect(try await h.state().vms["web-1"]?.imageName == "other")
    }

    @Test("a VM given {url, checksum} imports its disk into its own folder")
    func vmFromURL() async throws {
        let h = try Harness()
        defer { h.remove() }
        let vm = """
            apiVersion: kiln.dev/v1
            kind: VirtualMachine
            metadata: {name: edge}
            spec:
              image: {url: "https://images.example.org/edge.qcow2", checksum: "\(String(repeating: "c", count: 40))", checksumType: sha1}

            """
        await h.source.commit("c1", ["vm.yaml": vm])
        let report = await h.settle()
        #expect(report.allReady, "\(report.objects)")
        let record = try #require(try await h.state().vms["edge"])
        #expect(record.imagePath == "\(h.paths.vm(uuid: record.uuid))/base.qcow2")
        #expect(await h.images.calls == ["https://images.example.org/edge.qcow2"])
    }
}

@Suite("Reconciler: cloud-init seeds")
struct CloudInitTests {
    @Test("a VM on an image built with isCloudInit: true is made with a seed; one on another image is not")
    func seedFollowsTheBuild() async throws {
        let h = try Harness()
        defer { h.remove() }
        var files = Harness.quickstart()
        files["cloud.yaml"] =
            Specs.build("cloud", token: "1").replacingOccurrences(
                of: "  type: qemu\n", with: "  type: qemu\n  isCloudInit: true\n")
            + "---\n" + Specs.image("cloud", build: "cloud") + "---\n"
            + Specs.vm("web", image: "cloud", powerState: "running")
        await h.source.commit("c1", files)
        let report = await h.settle()
        #expect(report.allReady, "\(report.objects)")
        let state = try await h.state()
        #expect(state.vms["web"]?.cloudInit == true)
        #expect(state.vms["hello"]?.cloudInit == false)
    }

    @Test(
        "cloudInit.userData: read from the commit, given to the driver with secrets still references, its digest kept; a new version recreates the VM; a bad file fails it with file:line:column"
    )
    func userData() async throws {
        let h = try Harness()
        defer { h.remove() }
        var files = Harness.quickstart()
        files["vms.yaml"] =
            Specs.vm("hello", image: "busybox", powerState: "running") + "  cloudInit: {userData: cloud/hello.yaml}\n"
        files["cloud/hello.yaml"] = "#cloud-config\npackages: [nginx]\npassword: {fromFile: hello}\n"
        await h.source.commit("c1", files)
        #expect(await h.settle().allReady)
        var vm = try #require(try await h.state().vms["hello"])
        #expect(vm.cloudInit && vm.userDataDigest == Digest.sha256Hex(files["cloud/hello.yaml"]!))
        let seen = try #require(await h.vms.userDataSeen["hello"] ?? nil)
        #expect(seen.value["packages"] == .list([.string("nginx")]))
        #expect(seen.references == [.fromFile("hello")])
        let generation = vm.generation

        files["cloud/hello.yaml"] = "#cloud-config\npackages: [nginx, curl]\n"
        await h.source.commit("c2", files)
        #expect(await h.settle().allReady)
        vm = try #require(try await h.state().vms["hello"])
        #expect(vm.generation == generation + 1, "made again for the new file")
        #expect(vm.userDataDigest == Digest.sha256Hex(files["cloud/hello.yaml"]!))

        // A bad file stops the commit itself (nothing of it is applied), pointing into the file.
        files["cloud/hello.yaml"] = "#cloud-config\nusers:\n  - name: ada\n    passwd: hunter2\n"
        await h.source.commit("c3", files)
        _ = await h.settle()
        let sync = h.syncStatus()
        #expect(sync.contains("cloud/hello.yaml:4:13: users[0].passwd is a clear-text secret"), "\(sync)")
        let vmStatus = await h.status(.virtualMachine, "hello") ?? ""
        #expect(!sync.contains("hunter2") && !vmStatus.contains("hunter2"))
        #expect(
            try await h.state().vms["hello"]?.userDataDigest
                == Digest.sha256Hex("#cloud-config\npackages: [nginx, curl]\n"),
            "the VM stays as the last good commit made it")
    }
}
