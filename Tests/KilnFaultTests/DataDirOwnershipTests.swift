import Foundation
import KilnEndToEnd
import KilnSpec
import KilnTestSupport
import Testing

extension Faults {
    /// Two Kiln processes on one data dir: the second refuses, naming the first, and the first carries on unharmed.
    @Suite(.timeLimit(.minutes(10))) struct DataDirOwnershipTests {
        @Test func aSecondKilnOnTheSameDataDirIsRefused() async throws {
            try await Stack.with { stack in
                // The build waits at a gate until the test opens it: the first Kiln holds the data dir however slow
                // the machine is.
                let gate = try Gate()
                try stack.write()
                try stack.repo.write("builds/web.yaml", Gate.build())
                try stack.repo.write("scripts/provision.sh", gate.script(writing: "web v1"), executable: true)
                try await stack.repo.commit("A build that waits at a gate")
                let first = try KilnBinary.start([
                    "sync", "--repo", stack.repo.path, "--data-dir", stack.data.path,
                    "--wait", "--timeout", "10m"
                ])
                // Wait until the first Kiln holds the lock (it writes its pid into it); the deadline catches a hang.
                let lock = stack.data.path + "/lock"
                var holder = ""
                let deadline = ContinuousClock.now + .seconds(300)
                while holder != "\(first.pid)", ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(50))
                    holder = ((try? String(contentsOfFile: lock, encoding: .utf8)) ?? "").trimmingCharacters(
                        in: .whitespacesAndNewlines)
                }
                #expect(holder == "\(first.pid)")
                // A second `kiln sync`, and a second `kiln serve`, are refused; neither touches the data dir.
                let second = try await stack.sync()
                let serve = try await KilnBinary.run(
                    ["serve", "--repo", stack.repo.path, "--data-dir", stack.data.path, "--listen", "127.0.0.1:0"],
                    timeout: .seconds(120))
                #expect(serve.exitCode != 0, "\(serve)")
                #expect(
                    serve.stderr.contains("another Kiln (pid \(first.pid)) owns the data dir \(stack.data.path)"),
                    "\(serve)")
                #expect(second.exitCode == 1, "\(second)")
                #expect(
                    second.stderr.contains("another Kiln (pid \(first.pid)) owns the data dir \(stack.data.path)"),
                    "\(second)")
                // Reading the catalog needs no lock.
                #expect(try await KilnBinary.run(["get", "builds", "--data-dir", stack.data.path]).exitCode == 0)
                gate.open()
                let done = await first.wait(timeout: .seconds(600))
                #expect(done.exitCode == 0, "the first Kiln is unharmed: \(done)")
                #expect(try await stack.data.executions("web").map(\.buildNumber) == [1])
                #expect(done.stdout.hasSuffix("4/4 ready\n"), "\(done)")
                try await Recovery.check(stack.data, context: "after a second Kiln was refused")
            }
        }
    }
}
