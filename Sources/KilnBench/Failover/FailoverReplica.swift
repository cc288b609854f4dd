import Foundation
import KilnSpec
import KilnTestSupport

/// One `kiln serve` replica of the failover benchmark: the real `kiln` beside `kiln-bench`, on a loopback port the
/// kernel picks, its own data dir, the shared PostgreSQL catalog. Its output goes to files (``RunningProcess``); it is
/// signalled only by its recorded pid, and only while that pid still has the start time it had when it was spawned
/// (once it has died and been reaped, the pid may be another process's).
struct FailoverReplica: Sendable {
    let name: String
    let process: RunningProcess
    let url: String
    /// The process's start time (clock ticks since boot, /proc/PID/stat field 22), read right after the spawn.
    let startTime: UInt64?
    var pid: Int32 { process.pid }

    /// What one replica's settings are, the same for each start.
    struct Settings: Sendable {
        var kiln: String
        var repo: String
        var folder: String
        var catalog: String
        var passwordFile: String
        var secretFile: String
        var leaseSeconds: Int
    }

    /// Starts replica `name` and waits until it listens.
    static func start(_ name: String, _ settings: Settings) async throws -> FailoverReplica {
        let process = try RunningProcess(
            settings.kiln,
            [
                "serve", "--repo", settings.repo, "--data-dir", "\(settings.folder)/data-\(name)",
                "--listen", "127.0.0.1:0",
                // The loop looks at git only when the webhook wakes it, or when it takes the lead: the leader killed
                // in a round has not seen the commit the round measures.
                "--interval", "1h", "--rate-limit", "0", "--log-level", "info",
                "--webhook-secret-file", settings.secretFile,
                "--catalog", settings.catalog, "--catalog-password-file", settings.passwordFile,
                "--host-name", name, "--lease", "\(settings.leaseSeconds)s"
            ], environment: ["NO_COLOR": "1"])
        let replica = FailoverReplica(
            name: name, process: process, url: "", startTime: PostgresCluster.processStartTime(process.pid))
        let marker = "kiln serve: listening on http://127.0.0.1:"
        guard await process.waitForOutput(timeout: .seconds(300), { _, err in err.contains(marker) }),
            let line = process.output.stderr.split(separator: "\n").first(where: { $0.contains(marker) }),
            let port = Int(line[line.range(of: marker)!.upperBound...].prefix { $0.isNumber })
        else {
            replica.signal(SIGKILL)
            let result = await process.wait(timeout: .seconds(60))
            throw BenchFailure("kiln serve \(name) did not start listening: \(result)")
        }
        return FailoverReplica(
            name: name, process: process, url: "http://127.0.0.1:\(port)", startTime: replica.startTime)
    }

    /// Sends `signal` to the replica if its pid is still the process this replica started; false when it is gone.
    @discardableResult
    func signal(_ signal: Int32) -> Bool {
        guard let startTime, PostgresCluster.processStartTime(pid) == startTime else { return false }
        return kill(pid, signal) == 0
    }

    /// `GET path` with curl (at most 10 s): the status and body, or nil when nothing answered.
    func get(_ path: String) async -> (status: Int, body: String)? {
        guard
            let result = try? await ChildProcess.run(
                "/usr/bin/env", ["curl", "-s", "-m", "10", "-w", "\n%{http_code}", url + path], timeout: .seconds(30)),
            result.exitCode == 0, !result.signalled,
            let newline = result.stdout.lastIndex(of: "\n"),
            let status = Int(result.stdout[result.stdout.index(after: newline)...])
        else { return nil }
        return (status, String(result.stdout[..<newline]))
    }

    /// `/kiln/v1/sync` when it answers 200: the commit applied, who leads and the epoch, as this replica reads them.
    func sync() async -> (applied: String?, leader: String?, epoch: Int?)? {
        guard let answer = await get("/kiln/v1/sync"), answer.status == 200, let value = SpecValue(json: answer.body)
        else { return nil }
        return (value["lastApplied"]?["commit"]?.string, value["leader"]?.string, value["epoch"]?.int)
    }

    /// `/readyz` when it answers 200: who this replica says leads, its own role, and the epoch.
    func readiness() async -> (leader: String?, role: String?, epoch: Int?)? {
        guard let answer = await get("/readyz"), answer.status == 200, let value = SpecValue(json: answer.body)
        else { return nil }
        return (value["leader"]?.string, value["role"]?.string, value["epoch"]?.int)
    }
}
