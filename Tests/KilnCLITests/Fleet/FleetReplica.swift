import Foundation
import KilnTestSupport

/// One `kiln serve` replica of a test fleet: its host name, data dir and server. Started on its host of the
/// ``FleetNetwork`` (in its namespace, on its address) with the fleet's catalog.
struct FleetReplica: Sendable {
    let name: String
    let dataDir: String
    let serve: ServeProcess

    /// Starts `host` with the catalog at `url`, a lease of `lease` seconds and `extra` flags; `hiding` are folders
    /// (other hosts' data dirs) it must not see, as on another machine.
    static func start(
        _ host: FleetNetwork.Host, dataDir: String, repo: String, url: String, passwordFile: String, lease: Int,
        extra: [String] = [], hiding: [String] = []
    ) async throws -> FleetReplica {
        let serve = try await ServeProcess.start(
            repo: repo, dataDir: dataDir,
            extra: [
                "--interval", "1s", "--catalog", url, "--catalog-password-file", passwordFile, "--host-name", host.name,
                "--lease", "\(lease)s"
            ] + extra
                // Off loopback Kiln asks for API tokens; the test's bridge reaches only its own namespaces.
                + (host.namespace == nil ? [] : ["--insecure-no-auth"]),
            namespace: host.namespace, address: host.address, hiding: hiding)
        return FleetReplica(name: host.name, dataDir: dataDir, serve: serve)
    }

    /// The live qemu processes of this host's data dir.
    var qemu: [Int32] {
        ProcessSweep.pids(mentioning: "\(dataDir)/vms/").filter { pid in
            (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.hasPrefix("qemu-system") == true
        }
    }

    /// Polls twice a second until `condition` holds; the deadline only catches a real hang, and then the hosts' logs
    /// say why.
    static func wait(
        for what: String, _ hosts: [FleetReplica], timeout: Duration = .seconds(400),
        _ condition: () async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await !condition() {
            guard ContinuousClock.now < deadline, !Task.isCancelled else {
                let logs = hosts.map { "--- \($0.name):\n\($0.serve.process.output.stderr)" }.joined(separator: "\n")
                throw ServeProcess.Failure(description: "\(what) did not happen within \(timeout); the logs:\n\(logs)")
            }
            try await Task.sleep(for: .milliseconds(500))
        }
    }
}

/// Every replica a test started, and what they started in their data dirs (qemu, build workers), ended by pid
/// whatever happens.
actor FleetReplicas {
    var all: [FleetReplica] = []

    func add(_ replica: FleetReplica) { all.append(replica) }

    func stop() async {
        // A stopped process cannot act on SIGTERM: resume every one first.
        for replica in all { replica.serve.process.kill(SIGCONT) }
        for replica in all { await replica.serve.stop() }
        for replica in all { await ProcessSweep.killAll(mentioning: replica.dataDir) }
    }
}
