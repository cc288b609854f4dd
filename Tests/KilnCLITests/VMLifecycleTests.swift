import Foundation
import KilnSpec
import KilnTestSupport
import Testing

extension Reconciling {
    /// The quickstart VM under a real `kiln serve` and TCG: it boots to readiness; a SIGKILL of its qemu and a pause
    /// through its own monitor are found by the next quiet pass (no new commit) and repaired; a SIGKILL of Kiln leaves
    /// it running and the next Kiln adopts it (one qemu, same pid); powerState stops and starts it; deleting it from
    /// git ends its process and moves its files away.
    @Suite(.tags(.qemu), .enabled(if: BootHost.canBoot, "needs qemu-system-x86_64, qemu-img, /vmlinuz and /initrd.img"))
    struct VMLifecycleTests {
        static let vmFlags = [
            "--path", "quickstart", "--interval", "1s", "--vm-kernel", BootHost.kernel,
            "--vm-initrd", BootHost.initrd, "--vm-stop-grace", "2s", "--vm-accel", "tcg"
        ]

        @Test(.timeLimit(.minutes(10)))
        func bootDriftAdoptPowerAndDelete() async throws {
            try await Scratch.with { scratch in
                let repo = try await GitRepository(at: scratch.file("repo"))
                try QuickstartBuildTests.copyQuickstart(into: repo)
                let listener = try await CallbackListener()
                defer { Task { await listener.stop() } }
                try repo.edit(
                    "quickstart/vms/hello-1.yaml", replacing: "powerState: running",
                    with: "powerState: running\n  callbackUrl: \(listener.url("/ready"))")
                try await repo.commit("Add the quickstart")
                let data = DataDirectory(path: scratch.dataDir)
                let vm = VMHost(data: data, name: "hello-1")
                func ready() -> Bool { vm.status?.isReady == true }
                func driftCount() -> Int { vm.status?["drift"]?["count"]?.int ?? 0 }

                var serve = try await ServeProcess.start(repo: repo.path, dataDir: data.path, extra: Self.vmFlags)
                do {
                    // MARK: boots to readiness, under TCG as asked.
                    #expect(await VMHost.eventually { ready() }, "\(String(describing: vm.status))")
                    #expect(vm.status?["acceleration"]?.string == "tcg")
                    let first = try #require(vm.pid)
                    // MARK: the callback: the VM builder service's JSON, once.
                    #expect(
                        await VMHost.eventually { vm.status?["callback"]?["state"]?.string == "delivered" },
                        "\(String(describing: vm.status))")
                    let body = try #require(listener.bodies.first.flatMap { SpecValue(json: $0) })
                    #expect(body["id"]?.string == vm.status?["id"]?.string)
                    #expect(body["status"] == .string("powered-on"))
                    #expect(body["memory"] == .string("256.0mib"))

                    // MARK: SIGKILL its qemu: the next pass (no new commit) reports the drift and starts it again.
                    kill(first, SIGKILL)
                    #expect(
                        await VMHost.eventually { driftCount() == 1 && vm.pid != nil && vm.pid != first && ready() },
                        "\(String(describing: vm.status))")
                    #expect(vm.status?["drift"]?["last"]?.string?.contains("its qemu process is not running") == true)
                    let second = try #require(vm.pid)

                    // MARK: pause it through its own monitor: reported and resumed, the same process.
                    try await vm.qmp("stop")
                    #expect(
                        await VMHost.eventually { driftCount() == 2 && ready() }, "\(String(describing: vm.status))")
                    #expect(vm.status?["drift"]?["last"]?.string?.contains("reports paused") == true)
                    #expect(vm.pid == second)
                    // Both drifts are counted in the metrics this Kiln serves, per VM.
                    let metrics = try await serve.request("/metrics").body
                    let driftSample = metrics.split(separator: "\n").first {
                        $0.hasPrefix("kiln_vm_drift_total{vm=\"hello-1\"} ")
                    }
                    #expect(
                        driftSample.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) } == 2,
                        "\(metrics.split(separator: "\n").filter { $0.contains("drift") })")

                    // MARK: SIGKILL Kiln while the VM runs: the next Kiln adopts it and starts no second qemu.
                    serve.process.kill(SIGKILL)
                    _ = await serve.process.wait()
                    #expect(vm.pid == second)
                    serve = try await ServeProcess.start(repo: repo.path, dataDir: data.path, extra: Self.vmFlags)
                    #expect(
                        await VMHost.eventually { (try? data.syncStatus()["lastRun"]?["at"]?.string) != nil && ready() }
                    )
                    #expect(vm.qemuProcesses == [second], "one qemu, the adopted one")
                    #expect(driftCount() == 2)

                    // MARK: powerState stopped, then running again.
                    try repo.edit(
                        "quickstart/vms/hello-1.yaml", replacing: "powerState: running", with: "powerState: stopped")
                    try await repo.commit("Stop hello-1")
                    #expect(
                        await VMHost.eventually { vm.status?.ready?.reason == "Stopped" && vm.qemuProcesses.isEmpty },
                        "\(String(describing: vm.status))")
                    try repo.edit(
                        "quickstart/vms/hello-1.yaml", replacing: "powerState: stopped", with: "powerState: running")
                    try await repo.commit("Start hello-1 again")
                    // Running, not only Ready: a stopped VM is Ready too (reason Stopped), and while qemu daemonizes
                    // its first process is still alive beside the one the pidfile names.
                    #expect(
                        await VMHost.eventually { vm.status?.ready?.reason == "Running" && ready() && vm.pid != nil },
                        "\(String(describing: vm.status))")
                    #expect(vm.qemuProcesses.count == 1)
                    #expect(driftCount() == 2, "stopping and starting through git is no drift")

                    // MARK: kiln teardown: refused while serve owns the data dir; afterwards it stops the VM by its
                    // recorded pid, and the next Kiln starts it again without calling that drift.
                    let refused = try await KilnBinary.run(["teardown", "--data-dir", data.path])
                    #expect(refused.exitCode != 0 && refused.stderr.contains("owns the data dir"), "\(refused)")
                    #expect(vm.qemuProcesses.count == 1)
                    await serve.stop()
                    #expect(vm.qemuProcesses.count == 1, "stopping serve leaves VMs running")
                    let teardown = try await KilnBinary.run(["teardown", "--data-dir", data.path])
                    #expect(
                        teardown.exitCode == 0 && teardown.stdout.contains("stopped VirtualMachine hello-1"),
                        "\(teardown)")
                    #expect(vm.qemuProcesses.isEmpty)
                    serve = try await ServeProcess.start(repo: repo.path, dataDir: data.path, extra: Self.vmFlags)
                    #expect(await VMHost.eventually { ready() && vm.pid != nil }, "\(String(describing: vm.status))")
                    #expect(driftCount() == 2, "a teardown is no drift")

                    // MARK: removed from git: its process ends and its folder goes to the tombstone area.
                    let folder = try #require(vm.folder)
                    try repo.remove("quickstart/vms/hello-1.yaml")
                    try await repo.commit("Retire hello-1")
                    #expect(
                        await VMHost.eventually {
                            !data.statusExists("virtualmachine", "hello-1") && vm.qemuProcesses.isEmpty
                        })
                    #expect(!FileManager.default.fileExists(atPath: folder))
                } catch {
                    await serve.stop()
                    throw error
                }
                await serve.stop()
                #expect(vm.qemuProcesses.isEmpty, "no qemu outlives the test")
                #expect(
                    listener.bodies.count == 1,
                    "called back exactly once, through drift, a Kiln restart, stop and start: \(listener.bodies)")
                let purge = try await KilnBinary.run(["teardown", "--data-dir", data.path, "--purge"])
                #expect(purge.exitCode == 0 && !FileManager.default.fileExists(atPath: data.path), "\(purge)")
            }
        }
    }
}
