import Foundation
import KilnTestSupport
import Testing

extension Reconciling {
    /// `kiln teardown` on a data dir whose build is running: the build worker is stopped by its recorded pid (VMs are
    /// covered by VMLifecycleTests), so no process of the data dir is left, and the report names the execution.
    @Suite(.timeLimit(.minutes(8))) struct TeardownTests {
        @Test func teardownStopsARunningBuildWorker() async throws {
            try await Stack.with { stack in
                let data = stack.data
                // The build's script waits at a gate that never opens, so it still runs at teardown however slow the
                // machine is.
                let gate = try Gate()
                try stack.write()
                try stack.repo.write("builds/web.yaml", Gate.build())
                try stack.repo.write("scripts/provision.sh", gate.script(writing: "web"), executable: true)
                try await stack.repo.commit("A build that waits at a gate")

                // One pass starts the execution and returns; the worker marks it running on its own.
                _ = try await stack.sync(wait: false)
                let running = await VMHost.eventually(timeout: .seconds(300)) {
                    (try? await data.executions("web").last?.status) == "running"
                }
                let statuses = try await data.executions("web").map(\.status)
                #expect(running, "\(statuses)")
                let log = "\(data.path)/logs/web/1.log"
                #expect(
                    await VMHost.eventually(timeout: .seconds(300)) {
                        ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("waiting for the gate")
                    }, "the script runs")
                let before = ProcessSweep.pids(mentioning: data.path)
                #expect(!before.isEmpty, "the build worker runs")

                let teardown = try await KilnBinary.run(["teardown", "--data-dir", data.path])
                #expect(
                    teardown.exitCode == 0 && teardown.stdout.contains("stopped the build worker of execution web#1"),
                    "\(teardown)")
                let gone = await ProcessSweep.waitUntilGone(mentioning: data.path, timeout: .seconds(120))
                #expect(gone, "still running: \(ProcessSweep.pids(mentioning: data.path)) (before: \(before))")
                withExtendedLifetime(gate) {}
            }
        }
    }
}
