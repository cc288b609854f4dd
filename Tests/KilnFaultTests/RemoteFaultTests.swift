import Foundation
import KilnEndToEnd
import KilnSpec
import KilnTestSupport
import Testing

extension Faults {
    /// A git remote that fails while Kiln fetches from it: one that disappears in the middle of a fetch, one that
    /// accepts and says nothing. Each fetch is bounded, the failure is in the sync status, and the last good commit
    /// stays applied with nothing deleted.
    @Suite(.timeLimit(.minutes(5))) struct RemoteFaultTests {
        /// The stack applied from `remote`, then a second commit (one more image, and 512 KiB of incompressible bytes
        /// so that its pack is large) that the remote does not deliver.
        static func stackApplied(
            _ stack: Stack, through remote: GitHTTPRemote
        ) async throws -> (applied: String, pending: String) {
            try stack.write()
            let applied = try await stack.repo.commit("Add the web stack")
            let first = try await KilnBinary.sync(repo: remote.url("repo"), dataDir: stack.data.path)
            try #require(first.exitCode == 0 && first.stdout.hasSuffix("4/4 ready\n"), "\(first)")

            var settings = Stack.Settings()
            settings.extraImages = ["extra-1"]
            try stack.write(settings)
            var noise = [UInt8](repeating: 0, count: 512 << 10)
            var generator = SeededGenerator(seed: 12)
            for index in noise.indices { noise[index] = UInt8.random(in: 0...255, using: &generator) }
            try FileManager.default.createDirectory(
                atPath: stack.repo.path + "/assets", withIntermediateDirectories: true)
            try Data(noise).write(to: URL(fileURLWithPath: stack.repo.path + "/assets/noise.bin"))
            let pending = try await stack.repo.commit("One more image, and a large file")
            return (applied, pending)
        }

        /// What a failed fetch must leave: the applied commit and every object as they were, the failure in
        /// `status/sync.yaml`, and nothing of the data dir broken.
        static func expectLastGoodCommitKept(
            _ stack: Stack, applied: String, error: String, context: String,
            sourceLocation: SourceLocation = #_sourceLocation
        ) async throws {
            let sync = try stack.data.syncStatus()
            #expect(sync["lastApplied"]?["commit"]?.string == applied, "\(context): \(sync)")
            #expect(sync["lastSeen"]?["commit"]?.string == applied, "\(context): \(sync)")
            let result = sync["lastRun"]?["result"]?.string ?? ""
            #expect(result.contains("source error: \(error)"), "\(context): \(result)", sourceLocation: sourceLocation)
            var convergence = Convergence(builds: ["web": 1], images: ["web", "catalog"], vms: ["web-1"])
            try await convergence.check(stack.data, context: context)
            #expect(try await stack.data.executions("web").map(\.buildNumber) == [1], "\(context)")
            try await Recovery.check(stack.data, context: context)
            // libgit2 removes the half-received pack of an aborted fetch: the mirror holds whole packs only.
            for mirror in stack.data.entries("mirrors") {
                let packs = stack.data.entries("mirrors/\(mirror)/objects/pack")
                #expect(
                    packs.allSatisfy { $0.hasPrefix("pack-") }, "\(context): leftovers in the mirror: \(packs)",
                    sourceLocation: sourceLocation)
            }
        }

        @Test func aRemoteThatDisappearsMidFetchLeavesTheLastGoodCommitApplied() async throws {
            try await Stack.with { stack in
                let remote = try await GitHTTPRemote(root: stack.scratch.path, state: stack.scratch.file("remote"))
                defer { remote.stop() }
                let url = remote.url("repo")
                let (applied, _) = try await Self.stackApplied(stack, through: remote)

                // The remote sends half of the new commit's pack and stalls; once it has, it is killed by pid, and
                // the fetch loses its server in the middle of the pack.
                try remote.set(.cut)
                let victim = try KilnBinary.start([
                    "sync", "--repo", url, "--data-dir", stack.data.path, "--fetch-timeout", "300"
                ])
                let cut = await remote.waitForEvent("cut", timeout: .seconds(200))
                let killed = await remote.kill()
                let result = await victim.wait(timeout: .seconds(200))
                try #require(cut, "the remote never sent half a pack: \(remote.events); \(result)")
                #expect(killed.signalled && killed.exitCode == SIGKILL, "\(killed)")
                #expect(result.exitCode == 1 && !result.signalled, "\(result)")
                #expect(result.stdout.hasPrefix("commit \(applied.prefix(12)) applied\n"), "\(result)")
                #expect(result.stdout.contains("source error: cannot fetch \(url): "), "\(result)")
                #expect(!result.stdout.contains("took longer than"), "the fetch failed, it did not time out: \(result)")
                try await Self.expectLastGoodCommitKept(
                    stack, applied: applied, error: "cannot fetch \(url): ", context: "after the remote vanished")

                // With the remote gone for good, every pass says so at once and keeps the same commit.
                let gone = try await KilnBinary.sync(repo: url, dataDir: stack.data.path, wait: false)
                #expect(gone.exitCode == 1, "\(gone)")
                #expect(gone.stdout.contains("source error: cannot fetch \(url): "), "\(gone)")
                try await Self.expectLastGoodCommitKept(
                    stack, applied: applied, error: "cannot fetch \(url): ", context: "with the remote gone")
            }
        }

        @Test func aRemoteThatHangsIsStoppedAtTheFetchTimeoutAndTheNextFetchApplies() async throws {
            try await Stack.with { stack in
                let remote = try await GitHTTPRemote(root: stack.scratch.path, state: stack.scratch.file("remote"))
                defer { remote.stop() }
                let url = remote.url("repo")
                let (applied, pending) = try await Self.stackApplied(stack, through: remote)

                // The remote accepts the connection and never says a word: the fetch is stopped after 2 s.
                try remote.set(.hang)
                let hung = try await KilnBinary.sync(
                    repo: url, dataDir: stack.data.path, extra: ["--fetch-timeout", "2"], wait: false)
                #expect(remote.events.contains("hung"), "the fetch reached the silent remote: \(remote.events)")
                #expect(hung.exitCode == 1 && !hung.signalled, "\(hung)")
                #expect(hung.stdout.hasPrefix("commit \(applied.prefix(12)) applied\n"), "\(hung)")
                let timedOut = "fetching \(url) took longer than 2 s and was stopped"
                #expect(hung.stdout.contains("source error: \(timedOut)"), "\(hung)")
                #expect(hung.stdout.contains("--fetch-timeout"), "the error names the flag to raise: \(hung)")
                try await Self.expectLastGoodCommitKept(
                    stack, applied: applied, error: timedOut, context: "after the remote hung")

                // Once the remote answers again, the next sync fetches and applies the new commit.
                try remote.set(.serve)
                let next = try await KilnBinary.sync(
                    repo: url, dataDir: stack.data.path, extra: ["--fetch-timeout", "2m"])
                #expect(next.exitCode == 0 && next.stdout.hasSuffix("5/5 ready\n"), "\(next)")
                #expect(next.stdout.hasPrefix("commit \(pending.prefix(12)) applied\n"), "\(next)")
                var convergence = Convergence(
                    builds: ["web": 1], images: ["web", "catalog", "extra-1"], vms: ["web-1"])
                try await convergence.check(stack.data, context: "after the remote answered again")
                try await Recovery.check(stack.data, context: "after the remote answered again")
                #expect(try stack.data.syncStatus()["lastApplied"]?["commit"]?.string == pending)
            }
        }

        /// `--fetch-timeout` takes seconds or a duration, above 0 and at most a day; anything else is a usage error
        /// naming the flag, from every command that fetches.
        @Test func aBadFetchTimeoutIsAUsageErrorNamingTheFlag() async throws {
            try await Scratch.with { scratch in
                let data = scratch.dataDir
                let cases: [([String], String)] = [
                    (["sync", "--fetch-timeout", "0"], "--fetch-timeout must be above 0 and at most 86400 seconds"),
                    (["serve", "--fetch-timeout=-5"], "--fetch-timeout must be above 0"),
                    (["plan", "--fetch-timeout", "soon"], "--fetch-timeout must be a number of seconds"),
                    (["sync", "--fetch-timeout", "2d"], "--fetch-timeout must be a number of seconds"),
                    (["sync", "--fetch-timeout", "90000"], "at most 86400 seconds (a day); got 90000"),
                    (["validate", "--fetch-timeout", "nan"], "--fetch-timeout must be a number of seconds")
                ]
                for (arguments, message) in cases {
                    let dataDir = arguments[0] == "validate" ? [] : ["--data-dir", data]
                    let result = try await KilnBinary.run(
                        arguments + ["--repo", scratch.path] + dataDir, timeout: .seconds(120))
                    #expect(result.exitCode == 2, "\(arguments): \(result)")
                    #expect(result.stderr.contains(message), "\(arguments): \(result)")
                }
                #expect(!FileManager.default.fileExists(atPath: data), "a usage error touches no data dir")
            }
        }
    }
}
