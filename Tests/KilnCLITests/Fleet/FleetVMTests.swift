import Foundation
import KilnSpec
import KilnTestSupport
import Testing

/// Three `kiln serve` replicas (own data dir, loopback port, host name) on one throwaway PostgreSQL catalog, with four
/// quickstart-sized builds (claimed by the hosts, each built once) and six tiny TCG VMs of the quickstart image: the
/// leader places them, each host runs those placed on it, and every VM runs exactly once (qemu processes counted per
/// host data dir). Each host offers three CPUs (`--host-cpus 3`; they share this machine's two), so that the six
/// one-CPU VMs still fit on two hosts when one is gone. SIGKILL of a host running VMs: once its lease runs
/// out they run on the others (reason HostLost); when it comes back it stops and removes its leftover machines.
/// `kiln drain` moves a host's VMs away the same way, and a VM too big for any host is Unschedulable. The leader
/// paused (SIGSTOP) past its lease: another leads, its VMs run on the others, and resumed it follows and removes its
/// leftovers. PostgreSQL restarted under the fleet: the VMs run on, every replica answers stale meanwhile, and the
/// fleet converges after. Each host sees only its own data dir (a mount namespace hides the others'), so the image
/// one host built reaches the others through its download endpoint, with the fleet token, into their caches.
@Suite(
    PostgresClusterTrait(), .tags(.binary, .qemu),
    .enabled(if: BootHost.canBoot, "needs qemu-system-x86_64, qemu-img, /vmlinuz and /initrd.img"))
struct FleetVMTests {
    /// As LeaderFailoverTests': shorter leases lost sessions on a loaded CI machine.
    static let lease = 10
    static let vms = ["hello-1", "hello-2", "hello-3", "hello-4", "hello-5", "hello-6"]
    /// The quickstart's build, and three more like it.
    static let builds = ["busybox", "busybox-2", "busybox-3", "busybox-4"]

    typealias Replica = FleetReplica

    /// `kiln serve` flags of the quickstart's TCG VMs, booted through the host's kernel.
    static let flags = [
        "--path", "quickstart", "--vm-kernel", BootHost.kernel, "--vm-initrd", BootHost.initrd, "--vm-stop-grace", "2s",
        "--vm-accel", "tcg", "--host-cpus", "3"
    ]

    /// A VM as the catalog has it.
    struct Row: CustomStringConvertible {
        var name, host, status, directory, reason: String
        var description: String { "\(name) on \(host) \(status) \(directory) (\(reason))" }
    }

    static func rows(_ cluster: PostgresCluster, _ database: String) async throws -> [Row] {
        try await cluster.sql(
            #"SELECT name || '|' || coalesce(host, '-') || '|' || "vmStatus" || '|' || coalesce(directory, '-') || '|' || coalesce("placementReason", '') FROM vm ORDER BY name"#,
            database: database
        ).split(separator: "\n").map { line in
            let f = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            return Row(name: f[0], host: f[1], status: f[2], directory: f[3], reason: f.count > 4 ? f[4] : "")
        }
    }

    /// Whether every VM is powered on, on one of `hosts`, in that host's data dir, and each host runs exactly the
    /// qemu processes of the VMs placed on it.
    static func runsOnce(_ rows: [Row], on hosts: [Replica]) -> Bool {
        let rows = rows.filter { $0.name != "huge" }
        guard rows.map(\.name) == vms else { return false }
        for row in rows {
            guard row.status == "powered-on", let host = hosts.first(where: { $0.name == row.host }),
                row.directory.hasPrefix(host.dataDir + "/vms/")
            else { return false }
        }
        return hosts.allSatisfy { host in host.qemu.count == rows.filter { $0.host == host.name }.count }
    }

    @Test(
        "three hosts run four builds and six VMs, each VM exactly once; a SIGKILLed host's VMs run on the others, and it removes its leftovers when back",
        // A backstop only: each wait has its own deadline and shows the hosts' logs; under .ci/stress the whole took
        // longer than 10 minutes.
        .timeLimit(.minutes(30)))
    func hostsRunTheirVMs() async throws {
        try await Scratch.with { scratch in
            let repo = try await GitRepository(at: scratch.file("repo"))
            try Reconciling.QuickstartBuildTests.copyQuickstart(into: repo)
            // The VMs come in a second commit, once every host is registered: placement then spreads them.
            let hello = try String(contentsOfFile: "\(repo.path)/quickstart/vms/hello-1.yaml", encoding: .utf8)
            try repo.remove("quickstart/vms/hello-1.yaml")
            let busybox = try String(contentsOfFile: "\(repo.path)/quickstart/builds/busybox.yaml", encoding: .utf8)
            for name in Self.builds.dropFirst() {
                try repo.write(
                    "quickstart/builds/\(name).yaml",
                    busybox.replacingOccurrences(of: "name: busybox\n", with: "name: \(name)\n"))
            }
            _ = try await repo.commit("The quickstart's build and image, and three more builds like it")
            try await FleetNetwork.with(hosts: ["a", "b", "c"]) { network in
                print("fleet VMs: the hosts run in three \(network.kind.rawValue)")
                // A cluster of its own: the test restarts it under the fleet, which would pull the shared one from
                // under the other tests. It listens where the hosts reach this machine.
                let cluster = try await PostgresCluster.start(
                    network: network.kind == .namespaces
                        ? (address: network.machineAddress, clients: network.clients) : nil)
                let database = "fleetvms"
                let replicas = FleetReplicas()
                do {
                    try await cluster.createDatabase(database)
                    try await run(
                        replicas, network: network, scratch: scratch, repo: repo, hello: hello, cluster: cluster,
                        database: database, url: cluster.url(database: database, host: network.machineAddress))
                } catch {
                    await replicas.stop()
                    await cluster.stop()
                    throw error
                }
                await replicas.stop()
                await cluster.stop()
            }
        }
    }

    func run(
        _ replicas: FleetReplicas, network: FleetNetwork, scratch: Scratch, repo: GitRepository, hello: String,
        cluster: PostgresCluster, database: String, url: String
    ) async throws {
        // Each host sees only its own data dir, as on machines of their own: an image built on one host reaches the
        // others through its owner's download endpoint, with the fleet token.
        let token = scratch.file("fleet-token")
        try "\(UUID().uuidString)\n".write(toFile: token, atomically: true, encoding: .utf8)
        let names = ["a", "b", "c"]
        let start = { (name: String) in
            let replica = try await Replica.start(
                try #require(network.host(name)), dataDir: scratch.file("data-\(name)"), repo: repo.path, url: url,
                passwordFile: cluster.passwordFile, lease: Self.lease,
                extra: Self.flags + ["--fleet-token-file", token],
                hiding: names.filter { $0 != name }.map { scratch.file("data-\($0)") })
            await replicas.add(replica)
            return replica
        }
        let hosts = [try await start("a"), try await start("b"), try await start("c")]
        try await Replica.wait(for: "the three hosts to register", hosts) {
            let answer = try await hosts[0].serve.request("/kiln/v1/hosts")
            let listed = SpecValue(json: answer.body)?["hosts"]?.list ?? []
            return answer.status == 200 && listed.filter { $0["state"]?.string == "Ready" }.count == 3
        }
        let offered = SpecValue(json: try await hosts[0].serve.request("/kiln/v1/hosts").body)?["hosts"]?.list ?? []
        #expect(offered.map { $0["cpus"]?.int } == [3, 3, 3], "--host-cpus is what each host offers: \(offered)")
        for name in Self.vms {
            try repo.write(
                "quickstart/vms/\(name).yaml", hello.replacingOccurrences(of: "name: hello-1", with: "name: \(name)"))
        }
        try repo.write(
            "quickstart/vms/huge.yaml",
            hello.replacingOccurrences(of: "name: hello-1", with: "name: huge").replacingOccurrences(
                of: "memory: 256mib", with: "memory: 1024gib"))
        _ = try await repo.commit("Six VMs, and one too big for any host")

        // MARK: the leader builds the image and places the VMs; each host runs its own, each VM exactly once.
        var rows: [Row] = []
        try await Replica.wait(for: "six VMs to run, each once, on the hosts they are placed on", hosts) {
            rows = try await Self.rows(cluster, database)
            return Self.runsOnce(rows, on: hosts)
        }
        #expect(Set(rows.filter { $0.name != "huge" }.map(\.host)).count == 3, "spread over the three hosts: \(rows)")
        #expect(rows.first { $0.name == "huge" }?.host == "-", "\(rows)")
        try await Replica.wait(for: "huge to be Unschedulable, with the figures", hosts) {
            let answer = try await hosts[1].serve.request("/kiln/v1/status/virtualmachine/huge")
            return answer.status == 200 && answer.body.contains("Unschedulable")
                && answer.body.contains("needs 1024")
        }
        // Every replica's API lists the VMs placed on each host (its read model may lag a moment).
        try await Replica.wait(for: "GET /kiln/v1/hosts to list each host's VMs", hosts) {
            let answer = try await hosts[2].serve.request("/kiln/v1/hosts")
            guard answer.status == 200, let listed = SpecValue(json: answer.body)?["hosts"]?.list else { return false }
            return hosts.allSatisfy { host in
                listed.first { $0["name"]?.string == host.name }?["vms"]?.list?.compactMap(\.string)
                    == rows.filter { $0.host == host.name }.map(\.name)
            }
        }
        let counts = hosts.map { host in (host.name, host.qemu.count) }
        print("fleet VMs: \(rows); qemu per host \(counts)")
        // The four builds, claimed by the hosts: each built once, as #1 (which host ran each is in its log path).
        var built: [String] = []
        try await Replica.wait(for: "the four builds to succeed", hosts) {
            built = try await cluster.sql(
                #"SELECT "buildName" || ' ' || "buildNumber" || ' ' || status || ' ' || "logPath" FROM execution ORDER BY "buildName", "buildNumber""#,
                database: database
            ).split(separator: "\n").map(String.init)
            return built.count == Self.builds.count && built.allSatisfy { $0.split(separator: " ")[2] == "success" }
        }
        #expect(built.map { String($0.split(separator: " ")[0]) } == Self.builds, "\(built)")
        #expect(built.allSatisfy { $0.split(separator: " ")[1] == "1" }, "each built once, as #1: \(built)")
        print("fleet builds beside the VMs: \(built)")
        // The hosts that did not build the image run their VMs from a copy fetched into their cache under its
        // sha256; the one that built it reads its own file in place.
        let sha256 = try await cluster.sql("SELECT sha256 FROM image WHERE name = 'busybox'", database: database)
        let builder = try #require(
            hosts.first { host in built.contains { $0.hasPrefix("busybox 1 success \(host.dataDir)/") } })
        for host in hosts where rows.contains(where: { $0.host == host.name }) {
            let cached = FileManager.default.fileExists(atPath: "\(host.dataDir)/artifact-cache/sha256/\(sha256)")
            #expect(cached == (host.name != builder.name), "\(host.name)'s cache, busybox built on \(builder.name)")
        }

        // MARK: SIGKILL a host running VMs (the most): within a lease or two they run on the others.
        let victim = hosts.max { a, b in
            rows.filter { $0.host == a.name }.count < rows.filter { $0.host == b.name }.count
        }!
        let moving = rows.filter { $0.host == victim.name }.map(\.name)
        let orphans = victim.qemu
        #expect(!moving.isEmpty && orphans.count == moving.count)
        let killedAt = ContinuousClock.now
        victim.serve.process.kill(SIGKILL)
        _ = await victim.serve.process.wait(timeout: .seconds(60))
        let live = hosts.filter { $0.name != victim.name }
        try await Replica.wait(for: "\(moving) to run on \(live.map(\.name))", live) {
            rows = try await Self.rows(cluster, database)
            return Self.runsOnce(rows, on: live)
        }
        print(
            "fleet VMs: \(moving) run again on the others \(ContinuousClock.now - killedAt) after SIGKILL of \(victim.name) (lease \(Self.lease) s)"
        )
        for row in rows where moving.contains(row.name) {
            #expect(row.reason.hasPrefix("HostLost: \(victim.name) was lost"), "\(row)")
        }
        // Its qemu processes outlived it (Kiln never stops VMs when it stops): they are its leftovers.
        #expect(victim.qemu.sorted() == orphans.sorted())

        // MARK: back, it stops and removes its leftover machines, and runs none of the VMs.
        let back = try await start(victim.name)
        try await Replica.wait(for: "\(victim.name) back to remove its leftover machines", [back]) {
            back.qemu.isEmpty
                && ((try? FileManager.default.contentsOfDirectory(atPath: "\(back.dataDir)/vms")) ?? []).isEmpty
        }
        rows = try await Self.rows(cluster, database)
        #expect(Self.runsOnce(rows, on: live + [back]), "\(rows)")
        #expect(!rows.contains { $0.host == back.name }, "the VMs stay where they moved: \(rows)")
        let log = back.serve.process.output.stderr
        for name in moving {
            #expect(log.contains("removed the leftover machine of VirtualMachine \(name)"), "\(log)")
        }

        // MARK: kiln drain: the drained host's VMs move to the others, and it removes its machines.
        let drained = live.max { a, b in
            rows.filter { $0.host == a.name }.count < rows.filter { $0.host == b.name }.count
        }!
        let draining = rows.filter { $0.host == drained.name }.map(\.name)
        let drain = try await KilnBinary.run([
            "drain", drained.name, "--catalog", url, "--catalog-password-file", cluster.passwordFile
        ])
        #expect(drain.exitCode == 0, "\(drain)")
        let rest = (live + [back]).filter { $0.name != drained.name }
        try await Replica.wait(for: "\(draining) to leave drained \(drained.name)", rest + [drained]) {
            rows = try await Self.rows(cluster, database)
            return Self.runsOnce(rows, on: rest) && drained.qemu.isEmpty
        }
        for row in rows where draining.contains(row.name) {
            #expect(row.reason.hasPrefix("HostCordoned: \(drained.name) was drained"), "\(row)")
        }
        let undo = try await KilnBinary.run([
            "drain", drained.name, "--undo", "--catalog", url, "--catalog-password-file", cluster.passwordFile
        ])
        #expect(undo.exitCode == 0, "\(undo)")
        let all = live + [back]
        try await pauseTheLeader(all, cluster: cluster, database: database)
        try await restartPostgres(all, cluster: cluster, database: database)
    }

    /// The leader paused (SIGSTOP) past its lease, with VMs running: another replica leads, and the paused host's VMs
    /// run on the others (it is Lost; its qemu, not paused, runs on too). Resumed (SIGCONT), it learns it no longer
    /// leads, and removes its leftover machines: each VM runs once again.
    func pauseTheLeader(_ all: [Replica], cluster: PostgresCluster, database: String) async throws {
        var leader: String?
        try await Replica.wait(for: "the replicas to agree on a leader", all) {
            var named: Set<String> = []
            for replica in all {
                let answer = try await replica.serve.request("/readyz")
                guard answer.status == 200, let name = SpecValue(json: answer.body)?["leader"]?.string else {
                    return false
                }
                named.insert(name)
            }
            leader = named.count == 1 ? named.first : nil
            return leader != nil
        }
        let paused = try #require(all.first { $0.name == leader })
        let others = all.filter { $0.name != paused.name }
        let epoch = try await cluster.sql("SELECT epoch::text FROM leader", database: database)
        paused.serve.process.kill(SIGSTOP)
        try await Replica.wait(for: "another replica to lead while \(paused.name) is paused", others) {
            let answer = try await others[0].serve.request("/readyz")
            let body = SpecValue(json: answer.body)
            return answer.status == 200 && body?["leader"]?.string != nil && body?["leader"]?.string != paused.name
        }
        var rows: [Row] = []
        try await Replica.wait(for: "the VMs to run on \(others.map(\.name)) while \(paused.name) is paused", others) {
            rows = try await Self.rows(cluster, database)
            return Self.runsOnce(rows, on: others)
        }
        paused.serve.process.kill(SIGCONT)
        // Both are waited for: a paused leader that ran no VM (as a drained host does) has no leftovers, so the VMs
        // run once at once, before its loop has looked at its lead again and said that it lost it.
        try await Replica.wait(
            for: "\(paused.name), resumed, to remove its leftover machines and say it lost the lead", all
        ) {
            rows = try await Self.rows(cluster, database)
            let log = paused.serve.process.output.stderr
            let said = ["no longer the leader (epoch \(epoch))", "lost the lead (epoch \(epoch))"]
            return Self.runsOnce(rows, on: all) && said.contains { log.contains($0) }
        }
        print("fleet VMs after pausing \(paused.name): \(rows)")
    }

    /// PostgreSQL stopped and started again under the fleet: the VMs run on meanwhile, every replica answers from its
    /// last read (`/readyz` says stale), and once the database is back they reconnect and each VM runs once, where it
    /// ran before: every heartbeat is old after the outage, but no host missed a lease that the leader watched.
    func restartPostgres(_ all: [Replica], cluster: PostgresCluster, database: String) async throws {
        let placed = try await Self.rows(cluster, database).map { "\($0.name) on \($0.host)" }
        await cluster.stopServer()
        try await Replica.wait(for: "every replica's /readyz to say its read model is stale", all) {
            for replica in all {
                let answer = try await replica.serve.request("/readyz")
                guard answer.status == 503, answer.body.contains("stale") else { return false }
            }
            return true
        }
        #expect(all.map(\.qemu.count).reduce(0, +) == Self.vms.count, "the VMs run on while the database is down")
        try await cluster.startServer()
        var rows: [Row] = []
        var seen = ""
        do {
            try await Replica.wait(for: "every replica ready again, and each VM running once", all) {
                var ready: [String] = []
                for replica in all {
                    let answer = try await replica.serve.request("/readyz")
                    ready.append("\(replica.name): \(answer.status) \(answer.body)")
                }
                rows = try await Self.rows(cluster, database)
                seen = "readyz \(ready); rows \(rows); qemu per host \(all.map { ($0.name, $0.qemu.count) })"
                return ready.allSatisfy { $0.contains(": 200 ") } && Self.runsOnce(rows, on: all)
            }
        } catch {
            // What the wait saw last: which replica was not ready, or which VM did not run once.
            Issue.record("after the PostgreSQL restart, last seen: \(seen)")
            throw error
        }
        // On failure, what each replica said about leading, hosts and VMs since the restart began.
        let said = all.map { replica in
            let lines = replica.serve.process.output.stderr.split(separator: "\n").filter {
                $0.contains("lead") || $0.contains("Lost") || $0.contains("hello-") || $0.contains("fenc")
            }
            return "--- \(replica.name):\n" + lines.suffix(60).joined(separator: "\n")
        }
        #expect(
            rows.map { "\($0.name) on \($0.host)" } == placed,
            "a catalog restart moves no VM: \(rows)\n\(said.joined(separator: "\n"))")
        print("fleet VMs after a PostgreSQL restart: \(rows)")
    }
}
