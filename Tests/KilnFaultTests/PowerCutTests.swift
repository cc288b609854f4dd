import Foundation
import KilnEndToEnd
import KilnSpec
import KilnTestSupport
import Testing

extension Faults {
    /// A power cut, simulated by copying the data dir (SQLite catalog with its WAL, status files, artifacts, work
    /// folders) while Kiln is in the middle of a pass, every process of the data dir frozen so the copy is one
    /// instant of the disk; the copy then replaces the data dir, and a restart from it converges.
    @Suite(.timeLimit(.minutes(5))) struct PowerCutTests {
        @Test func aRestartFromACopyTakenMidPassConverges() async throws {
            try await Stack.with { stack in
                let data = stack.data
                // Build #2 waits at a gate that stays shut until the copy is taken: the pass is mid-way however slow
                // the machine is (the catalog has an execution running, the VM is being replaced, status is written).
                let gate = try Gate()
                try stack.write()
                func build(token: String) -> String {
                    Gate.build(extra: ["keepResults: 1", "run: {policy: onChange, token: \"\(token)\"}"])
                }
                try stack.repo.write("builds/web.yaml", build(token: "1"))
                let script = """
                    #!/bin/sh
                    set -eu
                    if [ "$KILN_BUILD_NUMBER" = 2 ]; then
                        until bash -c 'exec 3<>/dev/tcp/127.0.0.1/\(gate.port)' 2>/dev/null; do sleep 0.1; done
                    fi
                    mkdir -p "$KILN_ROOTFS/etc"
                    echo web > "$KILN_ROOTFS/etc/kiln-test"

                    """
                try stack.repo.write("scripts/provision.sh", script, executable: true)
                try await stack.repo.commit("Add the web stack")
                try await stack.syncReady()
                var settings = Stack.Settings()
                settings.cpus = 2
                settings.extraImages = ["extra-1", "extra-2"]
                try stack.write(settings)
                try stack.repo.write("builds/web.yaml", build(token: "2"))
                try stack.repo.write("scripts/provision.sh", script, executable: true)
                try await stack.repo.commit("Rebuild web, two CPUs, two more images")

                let victim = try KilnBinary.start([
                    "sync", "--repo", stack.repo.path, "--data-dir", data.path, "--wait", "--timeout", "5m"
                ])
                let running = await VMHost.eventually(timeout: .seconds(200)) {
                    (try? await data.executions("web").last?.status) == "running" || kill(victim.pid, 0) != 0
                }
                let statuses = try await data.executions("web").map { "#\($0.buildNumber) \($0.status)" }
                try #require(running && statuses == ["#1 success", "#2 running"], "\(statuses): \(victim.output)")

                // Freeze Kiln and its build worker, copy the data dir as the disk holds it now, then cut the power.
                let frozen = [victim.pid] + ProcessSweep.pids(mentioning: data.path).filter { $0 != victim.pid }
                for pid in frozen { kill(pid, SIGSTOP) }
                let copy = stack.scratch.file("power-cut-copy")
                let copied = try await ChildProcess.run("/bin/cp", ["-a", data.path, copy])
                for pid in frozen { kill(pid, SIGKILL) }
                victim.kill(SIGKILL)
                _ = await victim.wait(timeout: .seconds(60))
                await ProcessSweep.killAll(mentioning: data.path)
                try #require(copied.exitCode == 0, "\(copied)")
                #expect(FileManager.default.fileExists(atPath: copy + "/catalog.sqlite-wal"), "the copy has the WAL")

                // The disk as it was at the cut replaces the data dir; the gate opens (build #3 would not wait anyway).
                try FileManager.default.removeItem(atPath: data.path)
                try FileManager.default.moveItem(atPath: copy, toPath: data.path)
                gate.open()
                try await stack.syncReady()

                var convergence = Convergence(
                    builds: ["web": 1], images: ["web", "catalog", "extra-1", "extra-2"], vms: ["web-1"])
                try await convergence.check(data, context: "after the power cut")
                try await Recovery.check(data, context: "after the power cut")
                let executions = try await data.executions("web")
                #expect(executions.map(\.buildNumber) == [3], "#2 was cut, #3 replaced it: \(executions)")
                #expect(try await data.objects("vms")["web-1"]?["cpus"] == .int(2))
                withExtendedLifetime(gate) {}
            }
        }
    }
}
