import Foundation
import KilnSpec
import KilnTestSupport
import Testing

extension Reconciling {
    /// Kills `kiln sync --wait` with SIGKILL at many points of a multi-object reconcile, then runs it again to the end
    /// and checks that the data dir converged (see ``Convergence``).
    ///
    /// The kill points come from a seeded generator over the time a full reconcile takes (measured first), so a run
    /// is reproducible: `KILN_CRASH_SEED=<n>` replays a seed, `KILN_CRASH_ROUNDS=<n>` changes the number of kills.
    @Suite(.timeLimit(.minutes(10))) struct CrashRecoveryTests {
        /// Three builds (keeping everything, two, one), an Image of each and a stopped VM on each.
        static let builds = ["alpha": 0, "bravo": 2, "charlie": 1]

        /// Writes the repository's specs; `generation` goes into every build's run.token and decides the VMs' CPUs, so
        /// each generation asks for a run of every build and a recreate of every VM.
        static func write(_ repo: GitRepository, generation: Int) throws {
            for (build, keep) in builds {
                try repo.write("scripts/\(build).sh", Specs.script(writing: build))
                try repo.write(
                    "\(build).yaml",
                    Specs.documents(
                        Specs.build(build, script: "scripts/\(build).sh", keepResults: keep, token: "\(generation)"),
                        Specs.image(build, build: build),
                        Specs.vm("\(build)-vm", image: build, cpus: 1 + generation % 2)))
            }
        }

        /// The generator's seed: `KILN_CRASH_SEED`, or a fixed default.
        static var seed: UInt64 {
            ProcessInfo.processInfo.environment["KILN_CRASH_SEED"].flatMap { UInt64($0) } ?? 20_251_123
        }

        /// How many kills: `KILN_CRASH_ROUNDS`, or 12.
        static var rounds: Int {
            ProcessInfo.processInfo.environment["KILN_CRASH_ROUNDS"].flatMap { Int($0) } ?? 12
        }

        /// A power cut (Kiln and the build worker killed) during the run a new run.token asked for: the next Kiln
        /// marks it interrupted and runs it again as a fresh build, as the token asked, not as a reuse of the outputs
        /// of the execution before the token.
        @Test func anInterruptedTokenRunIsBuiltAfreshNotReused() async throws {
            try await Stack.with { stack in
                let data = stack.data
                // The same script throughout (the inputs never change, only the token does). Execution #2 waits at
                // a gate that never opens, so it is still running when the power goes, however slow the machine.
                let gate = try Gate()
                try stack.write()
                func build(token: String) -> String {
                    Gate.build(extra: ["keepResults: 1", "run: {policy: onChange, token: \"\(token)\"}"])
                }
                try stack.repo.write("builds/web.yaml", build(token: "1"))
                try stack.repo.write(
                    "scripts/provision.sh",
                    """
                    #!/bin/sh
                    set -eu
                    if [ "$KILN_BUILD_NUMBER" = 2 ]; then
                        echo "waiting for the gate"
                        until bash -c 'exec 3<>/dev/tcp/127.0.0.1/\(gate.port)' 2>/dev/null; do sleep 0.1; done
                    fi
                    mkdir -p "$KILN_ROOTFS/etc"
                    echo web > "$KILN_ROOTFS/etc/kiln-test"

                    """, executable: true)
                try await stack.repo.commit("Add the web stack")
                try await stack.syncReady()
                try stack.repo.write("builds/web.yaml", build(token: "2"))
                try await stack.repo.commit("Rebuild web")

                // One pass starts execution #2 and returns; then the power goes: every process of the data dir dies.
                let started = try await stack.sync(wait: false)
                #expect(started.exitCode == 1, "\(started)")
                // The worker marks it running on its own, a moment after the pass returns (later on a loaded machine).
                let running = await VMHost.eventually(timeout: .seconds(300)) {
                    (try? await data.executions("web").last?.status) == "running"
                }
                let statuses = try await data.executions("web").map(\.status)
                #expect(running, "\(statuses)")
                await ProcessSweep.killAll(mentioning: data.path)
                withExtendedLifetime(gate) {}  // closed only once no script can be waiting at it

                try await stack.syncReady()
                let executions = try await data.executions("web")
                let build = try #require(try await data.objects("builds")["web"])
                let last = try await data.get("executions", "web").list?.first
                #expect(last?["reusedFrom"] == nil, "run.token 2 asked for a fresh build: \(String(describing: last))")
                #expect(build.ready?.message.contains("outputs reused") == false, "\(String(describing: build.ready))")
                #expect(
                    executions.map(\.buildNumber) == [3],
                    "keepResults 1 keeps only #3: \(executions.map { "#\($0.buildNumber) \($0.status)" }); \(build.ready?.message ?? "")"
                )
            }
        }

        /// Every status file the killed Kiln left is whole (temp files aside, which the next start sweeps): it
        /// parses, ends with its line break, and has its first and last keys.
        static func expectWholeStatusFiles(_ data: DataDirectory, context: String) {
            let root = "\(data.path)/status"
            let names = (FileManager.default.enumerator(atPath: root)?.allObjects as? [String]) ?? []
            for name in names
            where name.hasSuffix(".yaml") && !(name as NSString).lastPathComponent.hasPrefix(".kiln-tmp-") {
                let path = "\(root)/\(name)"
                let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
                let value = try? StatusYAML.parse(text)
                let keys = name == "sync.yaml" ? ["source", "lastRun"] : ["apiVersion", "kind", "spec"]
                let whole = text.hasSuffix("\n") && keys.allSatisfy { value?[$0] != nil }
                #expect(whole, "\(context): \(name) is torn:\n\(text)")
            }
        }

        @Test(.timeLimit(.minutes(8)))
        func convergesAfterSIGKILLAtRandomPoints() async throws {
            try await Scratch.with { scratch in
                let repo = try await GitRepository(at: scratch.file("repo"))
                var generation = 1
                try Self.write(repo, generation: generation)
                try await repo.commit("Three builds, images and VMs")
                let expected = Convergence(
                    builds: Self.builds, images: Array(Self.builds.keys),
                    vms: Self.builds.keys.map { "\($0)-vm" })

                // How long a full first reconcile takes: the kills spread over it.
                let calibration = DataDirectory(path: scratch.file("calibration"))
                let clock = ContinuousClock()
                let started = clock.now
                let full = try await KilnBinary.sync(repo: repo.path, dataDir: calibration.path)
                let span = clock.now - started
                try #require(full.exitCode == 0, "the uninterrupted reconcile must converge: \(full)")
                var reference = expected
                try await reference.check(calibration, context: "uninterrupted reconcile")

                var random = SeededGenerator(seed: Self.seed)
                var shared = expected
                let sharedData = DataDirectory(path: scratch.file("data"))
                var killed = 0
                for round in 0..<Self.rounds {
                    // Every third round kills a first reconcile in a fresh data dir; the others kill an update (a new
                    // run of every build, a recreate of every VM) in one long-lived data dir. Every other round also
                    // kills the build workers and their tools, as a power cut would.
                    let fresh = round % 3 == 0
                    let powerCut = round % 2 == 1
                    let data = fresh ? DataDirectory(path: scratch.file("fresh-\(round)")) : sharedData
                    if !fresh, FileManager.default.fileExists(atPath: sharedData.path) {
                        generation += 1
                        try Self.write(repo, generation: generation)
                        try await repo.commit("Generation \(generation)")
                    }
                    let delay = Duration.nanoseconds(
                        Int64.random(
                            in:
                                0...Int64(
                                    span.components.seconds * 1_000_000_000
                                        + span.components.attoseconds / 1_000_000_000), using: &random))
                    let context =
                        "round \(round) (seed \(Self.seed), \(fresh ? "first reconcile" : "update")\(powerCut ? ", power cut" : ""), killed after \(delay))"

                    let victim = try KilnBinary.start([
                        "sync", "--repo", repo.path, "--data-dir", data.path, "--wait",
                        "--timeout", "3m"
                    ])
                    try await Task.sleep(for: delay)
                    victim.kill(SIGKILL)
                    if (await victim.wait(timeout: .seconds(60))).signalled { killed += 1 }
                    if powerCut { await ProcessSweep.killAll(mentioning: data.path) }
                    Self.expectWholeStatusFiles(data, context: context)

                    let recovery = try await KilnBinary.sync(repo: repo.path, dataDir: data.path)
                    #expect(recovery.exitCode == 0, "\(context): \(recovery)")
                    #expect(
                        recovery.stdout.hasSuffix("9/9 ready\n"),
                        "\(context): \(recovery)")
                    if fresh {
                        var check = expected
                        try await check.check(data, context: context)
                    } else {
                        try await shared.check(data, context: context)
                    }
                }
                // Most kills must land while Kiln works, or the test proves little.
                #expect(killed >= Self.rounds / 2, "only \(killed) of \(Self.rounds) kills landed before Kiln finished")
            }
        }
    }
}
