import Foundation
import KilnSpec
import KilnTestSupport
import Testing

/// Builds in a fleet (issue 13), for real: three `kiln serve` replicas with one build slot each (`--max-builds 1`),
/// each in a network namespace of its own (``FleetNetwork``; loopback addresses where namespaces cannot be made), on
/// one throwaway PostgreSQL catalog, and four builds whose provision scripts wait on a held loopback server, so that
/// the test knows what runs where without timing anything. Three run at once, one on each host, and the fourth waits
/// for a slot. SIGKILL of a host running one: once the host is Lost its work goes back to the queue and runs on
/// another host under the same build number, the cut-off worker's result never lands, and the host, back, sweeps
/// what that attempt left. A build placed on that host by name runs there; one whose labels no host has waits, and
/// says so.
@Suite(
    PostgresClusterTrait(), .tags(.binary),
    .enabled(
        if: FileManager.default.isExecutableFile(atPath: "/usr/bin/curl")
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/qemu-img"),
        "needs curl (the held scripts) and qemu-img (the builds' conversions)"))
struct FleetBuildTests {
    static let lease = 10
    static let builds = ["web-1", "web-2", "web-3", "web-4"]

    typealias Replica = FleetReplica

    /// A build whose script asks the held server for its own name, with the network its script needs for that, and
    /// `placement` (a YAML flow mapping) when given.
    static func build(_ name: String, placement: String? = nil) -> String {
        """
        apiVersion: kiln.dev/v1
        kind: ImageBuild
        metadata:
          name: \(name)
        spec:
          type: qemu
          source:
            scratch: true
          scripts:
            - {name: provision, path: scripts/\(name).sh, phase: provision, timeout: 10m, network: true}
          disk:
            size: 16mib
          conversionFormats: [qcow2]
          run:
            policy: onChange
            token: "1"
        \(placement.map { "  placement: \($0)" } ?? "")

        """
    }

    /// Held until the test releases the server; the test sees the request, so it knows the build runs.
    static func script(_ name: String, server: String) -> String {
        """
        #!/bin/sh
        set -eu
        curl -sf -o /dev/null \(server)/\(name)
        mkdir -p "$KILN_ROOTFS/etc"
        echo \(name) > "$KILN_ROOTFS/etc/kiln-test"

        """
    }

    /// A build work row as the catalog has it.
    struct Work: CustomStringConvertible {
        var build, state, holder: String
        var attempt: Int
        var result: String
        var description: String { "\(build) \(state) on \(holder) (attempt \(attempt)): \(result)" }
    }

    static func work(_ cluster: PostgresCluster, _ database: String) async throws -> [Work] {
        try await cluster.sql(
            #"SELECT "objectName" || '|' || state || '|' || coalesce(holder, '-') || '|' || attempt || '|' || coalesce(result, '') FROM work WHERE kind = 'RunExecution' ORDER BY id"#,
            database: database
        ).split(separator: "\n").map { line in
            let f = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            return Work(build: f[0], state: f[1], holder: f[2], attempt: Int(f[3]) ?? -1, result: f[4...].joined())
        }
    }

    /// Every execution: build, number, status and log path (in the data dir of the host that ran it).
    static func executions(_ cluster: PostgresCluster, _ database: String) async throws -> [[String]] {
        try await cluster.sql(
            #"SELECT "buildName" || ' ' || "buildNumber" || ' ' || status || ' ' || "logPath" FROM execution ORDER BY "buildName", "buildNumber""#,
            database: database
        ).split(separator: "\n").map { $0.split(separator: " ", maxSplits: 3).map(String.init) }
    }

    @Test(
        "three hosts, one build slot each: builds spread over the hosts; a SIGKILLed host's build runs again on another under the same number",
        // A backstop only: each wait has its own deadline and shows the hosts' logs.
        .timeLimit(.minutes(20)))
    func spreadAndRequeue() async throws {
        try await Scratch.with { scratch in
            let repo = try await GitRepository(at: scratch.file("repo"))
            try repo.write("README.md", "Builds of a fleet\n")
            _ = try await repo.commit("Nothing yet")
            try await FleetNetwork.with(hosts: ["a", "b", "c"]) { network in
                print("fleet builds: the hosts run in three \(network.kind.rawValue)")
                // Where the hosts reach this machine: the held server and a cluster of this test's own listen there.
                let files = try await HeldFileServer.start(in: scratch.file("held"), address: network.machineAddress)
                let cluster: PostgresCluster
                do {
                    cluster = try await PostgresCluster.start(
                        network: network.kind == .namespaces
                            ? (address: network.machineAddress, clients: network.clients) : nil)
                } catch {
                    await files.stop()
                    throw error
                }
                let database = "fleetbuilds"
                let replicas = FleetReplicas()
                do {
                    try await cluster.createDatabase(database)
                    try await run(
                        replicas, network: network, scratch: scratch, repo: repo, files: files, cluster: cluster,
                        database: database, url: cluster.url(database: database, host: network.machineAddress))
                } catch {
                    files.release()
                    await replicas.stop()
                    await files.stop()
                    await cluster.stop()
                    throw error
                }
                await replicas.stop()
                await files.stop()
                await cluster.stop()
            }
        }
    }

    func run(
        _ replicas: FleetReplicas, network: FleetNetwork, scratch: Scratch, repo: GitRepository, files: HeldFileServer,
        cluster: PostgresCluster, database: String, url: String
    ) async throws {
        var hosts: [Replica] = []
        for host in network.hosts {
            let replica = try await Replica.start(
                host, dataDir: scratch.file("data-\(host.name)"), repo: repo.path, url: url,
                passwordFile: cluster.passwordFile, lease: Self.lease, extra: ["--max-builds", "1"])
            await replicas.add(replica)
            hosts.append(replica)
        }
        try await Replica.wait(for: "the three hosts to register", hosts) {
            let answer = try await hosts[0].serve.request("/kiln/v1/hosts")
            let listed = SpecValue(json: answer.body)?["hosts"]?.list ?? []
            return answer.status == 200 && listed.filter { $0["state"]?.string == "Ready" }.count == 3
        }
        for name in Self.builds {
            FileManager.default.createFile(atPath: "\(files.www)/\(name)", contents: Data("go\n".utf8))
            try repo.write("builds/\(name).yaml", Self.build(name))
            try repo.write(
                "scripts/\(name).sh", Self.script(name, server: "http://\(network.machineAddress):\(files.port)"))
        }
        _ = try await repo.commit("Four builds")

        // MARK: one build on each host at once (one slot each); the fourth waits for a slot.
        // The leader enqueues the four runs concurrently, so three may be claimed before the fourth row exists: the
        // wait is for all four rows. With every slot held, the fourth can only be queued.
        var rows: [Work] = []
        try await Replica.wait(for: "three builds to run, each held, one on each host, and the fourth queued", hosts) {
            rows = try await Self.work(cluster, database)
            return Set(files.requests).count == 3 && rows.filter { $0.state == "claimed" }.count == 3
                && rows.count == 4
        }
        let claimed = rows.filter { $0.state == "claimed" }
        #expect(Set(claimed.map(\.holder)) == Set(hosts.map(\.name)), "one build on each host: \(rows)")
        #expect(rows.filter { $0.state == "queued" }.count == 1, "the fourth waits: \(rows)")
        try await Replica.wait(for: "GET /kiln/v1/hosts to show the build each host runs", hosts) {
            let answer = try await hosts[1].serve.request("/kiln/v1/hosts")
            guard answer.status == 200, let listed = SpecValue(json: answer.body)?["hosts"]?.list else { return false }
            return hosts.allSatisfy { host in
                listed.first { $0["name"]?.string == host.name }?["builds"]?.list?.compactMap(\.string)
                    == claimed.filter { $0.holder == host.name }.map { "\($0.build) #1" }
            }
        }

        // MARK: SIGKILL a follower running a build: once it is Lost, its work goes back to the queue.
        var leader: String?
        try await Replica.wait(for: "a leader", hosts) {
            let answer = try await hosts[0].serve.request("/readyz")
            leader = SpecValue(json: answer.body)?["leader"]?.string
            return answer.status == 200 && leader != nil
        }
        let victim = try #require(hosts.first { $0.name != leader })
        let moving = try #require(claimed.first { $0.holder == victim.name }?.build)
        victim.serve.process.kill(SIGKILL)
        _ = await victim.serve.process.wait(timeout: .seconds(60))
        let live = hosts.filter { $0.name != victim.name }
        try await Replica.wait(for: "the build work of Lost \(victim.name) to go back to the queue", live) {
            let row = try await Self.work(cluster, database).first { $0.build == moving }
            return row?.state == "queued" && row?.result.hasPrefix("host \(victim.name) was lost") == true
        }
        // Its worker, cut off from its claim, stops at its next renewal (or, released first, has its result refused).
        files.release()
        var executions: [[String]] = []
        try await Replica.wait(for: "all four builds to succeed", live) {
            executions = try await Self.executions(cluster, database)
            rows = try await Self.work(cluster, database)
            return executions.count == 4 && executions.allSatisfy { $0[2] == "success" }
                && rows.allSatisfy { $0.state == "done" }
        }
        #expect(executions.map { $0[0] } == Self.builds, "one execution of each build: \(executions)")
        #expect(executions.allSatisfy { $0[1] == "1" }, "numbered 1, none repeated or skipped: \(executions)")
        let moved = try #require(rows.first { $0.build == moving })
        #expect(moved.attempt == 2 && live.map(\.name).contains(moved.holder), "run again elsewhere: \(moved)")
        let host = try #require(live.first { $0.name == moved.holder })
        let execution = try #require(executions.first { $0[0] == moving })
        #expect(execution[3].hasPrefix(host.dataDir + "/"), "its log is on the host that ran it: \(execution)")
        try await Replica.wait(for: "the cut-off worker on \(victim.name) to end by itself", live) {
            ProcessSweep.pids(mentioning: victim.dataDir).isEmpty
        }
        // Nothing of the cut-off attempt was kept: its outputs on the victim were removed when its result was refused.
        #expect(
            !FileManager.default.fileExists(atPath: "\(victim.dataDir)/artifacts/\(moving)/1"),
            "the cut-off attempt's outputs are gone")
        // Read from the shared catalog on a host whose machine does not have the log (as another machine would not:
        // here all share one file system, so it is moved away for this), `kiln logs` names the host that ran it.
        let elsewhere = try #require(executions.first { $0[3].hasPrefix(host.dataDir + "/") })
        let asker = try #require(live.first { $0.name != host.name })
        try FileManager.default.moveItem(atPath: elsewhere[3], toPath: elsewhere[3] + ".away")
        let logs = try await KilnBinary.run([
            "logs", elsewhere[0], "1", "--data-dir", asker.dataDir, "--catalog", url,
            "--catalog-password-file", cluster.passwordFile
        ])
        try FileManager.default.moveItem(atPath: elsewhere[3] + ".away", toPath: elsewhere[3])
        #expect(logs.exitCode != 0, "\(logs)")
        #expect(
            logs.stderr.contains("is on host \(host.name), which ran it")
                && logs.stderr.contains("--server \(host.serve.url)"), "\(logs)")

        // MARK: the victim back: its sweep removes what the cut-off attempt left (its build log; the worker removed
        // the rest itself), since another host ran that execution since; what that host holds stays.
        let leftLog = "\(victim.dataDir)/logs/\(moving)/1.log"
        #expect(FileManager.default.fileExists(atPath: leftLog), "the cut-off attempt left its log")
        let victimHost = try #require(network.hosts.first { $0.name == victim.name })
        let back = try await Replica.start(
            victimHost, dataDir: victim.dataDir, repo: repo.path, url: url, passwordFile: cluster.passwordFile,
            lease: Self.lease, extra: ["--max-builds", "1"])
        await replicas.add(back)
        // The line is logged after the removal, and reaches the test through a pipe: the wait is for both.
        let swept = "host sweep: removed \(leftLog): execution #1 of \(moving) ran on another host"
        try await Replica.wait(for: "\(victim.name), back, to sweep the cut-off attempt's log and say so", [back]) {
            !FileManager.default.fileExists(atPath: leftLog) && back.serve.process.output.stderr.contains(swept)
        }
        #expect(FileManager.default.fileExists(atPath: execution[3]), "the log of the host that ran it stays")

        // MARK: placement: a build placed on a host by name runs there; one whose labels no host has waits, saying so.
        let placed = ["pinned": "{host: \(victim.name)}", "nowhere": "{labels: {zone: nowhere}}"]
        for (name, placement) in placed {
            FileManager.default.createFile(atPath: "\(files.www)/\(name)", contents: Data("go\n".utf8))
            try repo.write("builds/\(name).yaml", Self.build(name, placement: placement))
            try repo.write(
                "scripts/\(name).sh", Self.script(name, server: "http://\(network.machineAddress):\(files.port)"))
        }
        _ = try await repo.commit("A build placed on \(victim.name), and one that no host may run")
        let fleet = live + [back]
        var waiting = ""
        try await Replica.wait(for: "the pinned build to succeed, and the other to say why it waits", fleet) {
            rows = try await Self.work(cluster, database)
            waiting = try await cluster.sql(
                #"SELECT status || '|' || coalesce("statusMessage", '') FROM execution WHERE "buildName" = 'nowhere'"#,
                database: database)
            return rows.first { $0.build == "pinned" }?.state == "done" && waiting.contains("Waiting for a host")
        }
        #expect(rows.first { $0.build == "pinned" }?.holder == victim.name, "run where it was placed: \(rows)")
        #expect(rows.first { $0.build == "nowhere" }?.state == "queued", "\(rows)")
        #expect(
            waiting
                == "pending|Waiting for a host: no Ready host that takes work matches its placement (labels zone=nowhere); see kiln get hosts. It runs once one does"
        )
        print("fleet builds: \(rows)")
    }
}
