import Foundation
import KilnEndToEnd
import KilnSpec
import KilnTestSupport
import Testing

extension Faults {
    /// SIGKILL of what Kiln runs, rather than of Kiln: a build script, a build worker (`kiln internal-execute`), a VM's
    /// qemu. Each is found by the next pass, reported, and repaired or run again; afterwards ``Recovery/check(_:context:sourceLocation:)``
    /// finds nothing lost, duplicated or left running.
    @Suite(.timeLimit(.minutes(5))) struct KillTests {
        /// Build `web` (keepResults 2, run.token `token`) whose script waits at `gate`, with its image and the
        /// catalog image; the VM stays stopped.
        static func gatedStack(_ stack: Stack, gate: Gate, token: String) throws {
            try stack.write()
            try stack.repo.write(
                "builds/web.yaml",
                Gate.build(extra: ["keepResults: 2", "run: {policy: onChange, token: \"\(token)\"}"]))
            try stack.repo.write("scripts/provision.sh", gate.script(writing: "web v\(token)"), executable: true)
        }

        /// Starts a pass that starts execution #1, and waits until its worker runs the script (which waits at the
        /// gate); returns the worker's pid and the script's.
        static func startGatedBuild(_ stack: Stack) async throws -> (worker: Int32, script: Int32) {
            let started = try await stack.sync(wait: false)
            #expect(started.exitCode == 1, "one pass starts the build and does not wait for it: \(started)")
            var found: (Int32, Int32)?
            var seen = ""
            // Below the suite's time limit, so that a wait that gives up says what it saw.
            let running = await VMHost.eventually(timeout: .seconds(240)) {
                let workers = ProcessSweep.pids(mentioning: stack.data.name).filter {
                    Processes.commandLine($0).contains(" internal-execute ")
                }
                seen = "workers \(workers)"
                guard workers.count == 1 else { return false }
                // The script runs as `INTERPRETER /kiln/script` inside the sandbox (bwrap's own command line ends the
                // same way, after its options).
                let scripts = Processes.descendants(of: workers[0]) {
                    let words = $0.split(separator: " ")
                    return words.count == 2 && words[1] == "/kiln/script"
                }
                let all = Processes.descendants(of: workers[0]) { _ in true }
                seen += ", scripts \(scripts), descendants \(all.map { "\($0): \(Processes.commandLine($0))" })"
                guard scripts.count == 1 else { return false }
                found = (workers[0], scripts[0])
                return true
            }
            let executions = try await stack.data.executions("web").map { "#\($0.buildNumber) \($0.status)" }
            try #require(
                running, "the script never started: \(executions); last seen: \(seen); the sync said: \(started)")
            return try #require(found)
        }

        @Test func aKilledBuildScriptFailsItsExecutionAndTheNextRunBuilds() async throws {
            try await Stack.with { stack in
                let gate = try Gate()
                try Self.gatedStack(stack, gate: gate, token: "1")
                try await stack.repo.commit("A build whose script waits at a gate")
                let (worker, script) = try await Self.startGatedBuild(stack)

                kill(script, SIGKILL)
                // The worker reports the failure and ends on its own; its sandbox goes with the script.
                #expect(
                    await ProcessSweep.waitUntilGone(mentioning: stack.data.name, timeout: .seconds(300)),
                    "left: \(ProcessSweep.pids(mentioning: stack.data.name).map(Processes.commandLine))")
                #expect(!Processes.alive(worker))
                let failed = try await stack.sync()
                #expect(failed.exitCode == 1, "\(failed)")
                let executions = try await stack.data.executions("web")
                #expect(executions.map(\.buildNumber) == [1], "a failed run is not retried without a change")
                #expect(executions.first?.status == "failed", "\(executions)")
                let message = executions.first?.errorMessage ?? ""
                #expect(
                    message.contains(
                        "script provision exited with code 137 (the sandbox's code for a script killed by signal 9: SIGKILL"
                    ),
                    "\(message)")
                let build = try #require(try await stack.data.objects("builds")["web"])
                #expect(build.ready?.status == "False", "\(String(describing: build.ready))")
                #expect(
                    build.ready?.message.contains("killed by signal 9") == true,
                    "the build's status says why: \(String(describing: build.ready))")
                try await Recovery.check(stack.data, context: "after the script was killed")

                // A new token runs it again, under the next number; the gate lets it through.
                gate.open()
                try Self.gatedStack(stack, gate: gate, token: "2")
                try await stack.repo.commit("Run web again")
                try await stack.syncReady()
                let after = try await stack.data.executions("web")
                #expect(after.map { "#\($0.buildNumber) \($0.status)" } == ["#1 failed", "#2 success"], "\(after)")
                let image = try await stack.data.objects("images")["web"]
                #expect(
                    image?.ready?.message.contains("web-2.qcow2") == true, "\(String(describing: image?.ready))")
                try await Recovery.check(stack.data, context: "after the next run")
            }
        }

        @Test func aKilledBuildWorkerIsMarkedInterruptedAndRunAgain() async throws {
            try await Stack.with { stack in
                let gate = try Gate()
                try Self.gatedStack(stack, gate: gate, token: "1")
                try await stack.repo.commit("A build whose script waits at a gate")
                let (worker, script) = try await Self.startGatedBuild(stack)

                kill(worker, SIGKILL)
                // The sandbox dies with its worker (bwrap --die-with-parent): no script is left running unwatched.
                #expect(
                    await ProcessSweep.waitUntilGone(mentioning: stack.data.name, timeout: .seconds(120)),
                    "left: \(ProcessSweep.pids(mentioning: stack.data.name).map(Processes.commandLine))")
                // bwrap's --die-with-parent kills the sandbox when the worker dies, but not in the same instant: the
                // script's command line does not name the data dir, so the wait above does not cover it.
                #expect(
                    await VMHost.eventually(timeout: .seconds(120)) { !Processes.alive(script) },
                    "the script died with its worker")

                // The next Kiln finds the execution's worker gone: #1 is interrupted, #2 runs (the gate is open now).
                gate.open()
                try await stack.syncReady()
                let executions = try await stack.data.executions("web")
                #expect(
                    executions.map { "#\($0.buildNumber) \($0.status)" } == ["#1 failed", "#2 success"],
                    "\(executions)")
                #expect(
                    executions.first?.errorMessage?.contains("interrupted") == true,
                    "\(String(describing: executions.first?.errorMessage))")
                var convergence = Convergence(builds: ["web": 2], images: ["web", "catalog"], vms: ["web-1"])
                try await convergence.check(stack.data, context: "after the worker was killed")
                try await Recovery.check(stack.data, context: "after the worker was killed")
            }
        }

        /// A running VM (no readiness probe: Ready while its qemu runs, so nothing waits for the guest to boot) loses
        /// its qemu to SIGKILL: the next pass, on the same commit, reports the drift and starts one new qemu.
        @Test(
            .tags(.qemu),
            .enabled(if: BootHost.canBoot, "needs qemu-system-x86_64, qemu-img, /vmlinuz and /initrd.img"))
        func aKilledVMIsFoundByTheNextPassAndStartedAgain() async throws {
            try await Stack.with { stack in
                let flags = [
                    "--vm-kernel", BootHost.kernel, "--vm-initrd", BootHost.initrd, "--vm-accel", "tcg",
                    "--vm-stop-grace", "2s"
                ]
                try stack.write()
                try stack.repo.write("vms/web-1.yaml", Specs.vm("web-1", image: "web", powerState: "running"))
                try await stack.repo.commit("A running VM")
                try await stack.syncReady(flags)
                let vm = VMHost(data: stack.data, name: "web-1")
                let first = try #require(vm.pid, "\(String(describing: vm.status))")
                try await Recovery.check(stack.data, context: "with the VM running")

                kill(first, SIGKILL)
                #expect(await VMHost.eventually(timeout: .seconds(60)) { !Processes.alive(first) })
                try await stack.syncReady(flags)
                let second = try #require(vm.pid, "\(String(describing: vm.status))")
                #expect(second != first)
                #expect(vm.qemuProcesses == [second], "one qemu, the new one")
                #expect(vm.status?["drift"]?["count"]?.int == 1, "\(String(describing: vm.status))")
                #expect(
                    vm.status?["drift"]?["last"]?.string?.contains("its qemu process is not running") == true,
                    "\(String(describing: vm.status))")
                for (what, objects) in [
                    ("builds", try await stack.data.objects("builds")),
                    ("images", try await stack.data.objects("images")),
                    ("vms", try await stack.data.objects("vms"))
                ] {
                    let notReady = objects.filter { !$0.value.isReady }.keys.sorted()
                    #expect(notReady.isEmpty, "\(what) not Ready: \(notReady)")
                }
                #expect(try await stack.data.executions("web").map(\.buildNumber) == [1], "no rebuild for a VM's drift")
                try await Recovery.check(stack.data, context: "after qemu was killed")

                let teardown = try await KilnBinary.run(["teardown", "--data-dir", stack.data.path])
                #expect(teardown.exitCode == 0, "\(teardown)")
                #expect(vm.qemuProcesses.isEmpty, "no qemu outlives the test")
            }
        }

        /// A build with `provisioner: ssh` whose guest (busybox with this host's kernel, under SeaBIOS) boots but never
        /// opens SSH, so the build waits for SSH until `sshTimeout` (30 minutes): SIGKILL of its build VM while it
        /// waits fails the execution at once, naming qemu's end, with nothing of it left running.
        @Test(
            .tags(.qemu),
            .enabled(
                if: BootHost.canBoot && FileManager.default.fileExists(atPath: "/usr/share/seabios/bios-256k.bin")
                    && FileManager.default.isExecutableFile(atPath: "/bin/busybox"),
                "needs qemu, SeaBIOS, busybox-static and this host's /boot kernel and initrd"))
        func aKilledBuildVMFailsItsExecutionAtOnce() async throws {
            try await Stack.with { stack in
                let tree = stack.scratch.file("guest")
                _ = try await ChildProcess.shell(
                    """
                    set -e
                    root=\(ChildProcess.quoted(tree))
                    mkdir -p $root/bin $root/sbin $root/boot $root/proc $root/sys $root/dev $root/etc/ssh $root/usr/sbin $root/lib/systemd/system
                    cp /bin/busybox $root/bin/busybox
                    for a in sh mount sleep echo; do ln -s busybox $root/bin/$a; done
                    printf '#!/bin/sh\\n/bin/mount -t proc proc /proc\\necho KILN-GUEST-UP-WITHOUT-SSH\\nwhile :; do /bin/sleep 3600; done\\n' > $root/sbin/init
                    chmod 0755 $root/sbin/init
                    printf '#!/bin/sh\\nexit 1\\n' > $root/usr/sbin/sshd
                    printf 'Include /etc/ssh/sshd_config.d/*.conf\\n' > $root/etc/ssh/sshd_config
                    printf 'root:x:0:0:root:/root:/bin/sh\\n' > $root/etc/passwd
                    : > $root/lib/systemd/systemd-networkd
                    : > $root/lib/systemd/system/systemd-networkd.service
                    k=$(ls /boot | grep '^vmlinuz-' | sort -V | tail -1); v=${k#vmlinuz-}
                    cp /boot/vmlinuz-$v /boot/initrd.img-$v $root/boot/
                    tar -C $root -cf \(ChildProcess.quoted(stack.repo.path + "/rootfs.tar")) .
                    """)
                try stack.repo.write(
                    "builds/silent.yaml",
                    """
                    apiVersion: kiln.dev/v1
                    kind: ImageBuild
                    metadata: {name: silent}
                    spec:
                      type: qemu
                      source: {path: rootfs.tar}
                      disk: {size: 192mib, boot: bios}
                      verify: {boot: false}
                      provisioner: ssh
                      sshTimeout: 30m
                      scripts:
                        - {name: never-runs, path: never.sh}

                    """)
                try stack.repo.write("never.sh", "echo must not run\n")
                try await stack.repo.commit("A build whose guest never opens SSH")

                let started = try await stack.sync(wait: false)
                #expect(started.exitCode == 1, "\(started)")
                // The build log says when SSH is forwarded to the booted build VM: from then on the build waits.
                let log = stack.data.path + "/logs/silent/1.log"
                var qemu: [Int32] = []
                let waiting = await VMHost.eventually(timeout: .seconds(300)) {
                    let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                    qemu = ProcessSweep.pids(mentioning: stack.data.name).filter {
                        Processes.command($0).hasPrefix("qemu-system")
                    }
                    return text.contains("SSH forwarded from 127.0.0.1:") && qemu.count == 1
                }
                let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                try #require(waiting, "the build VM never started: \(qemu)\n\(text)")

                kill(qemu[0], SIGKILL)
                #expect(
                    await ProcessSweep.waitUntilGone(mentioning: stack.data.name, timeout: .seconds(120)),
                    "the worker ends at once, not after sshTimeout: \(ProcessSweep.pids(mentioning: stack.data.name).map(Processes.commandLine))"
                )
                let failed = try await stack.sync()
                #expect(failed.exitCode == 1, "\(failed)")
                let executions = try await stack.data.executions("silent")
                #expect(executions.map { "#\($0.buildNumber) \($0.status)" } == ["#1 failed"], "\(executions)")
                let message = executions.first?.errorMessage ?? ""
                #expect(
                    message.contains(
                        "provisioner: ssh: qemu ended (exit code 137: Killed) before its SSH server answered"),
                    "\(message)")
                let after = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                #expect(!after.contains("must not run"))
                #expect(
                    stack.data.entries("work").isEmpty,
                    "the failed execution's work folder goes: \(stack.data.entries("work"))")
                try await Recovery.check(stack.data, context: "after the build VM was killed")
            }
        }
    }
}
