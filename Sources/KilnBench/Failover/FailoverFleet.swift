import Foundation
import KilnTestSupport

/// The replicas of a failover run that are alive, each ended by its recorded pid on every path (success, failure,
/// cancellation); what each one wrote is kept as a log file in the run's folder.
actor FailoverFleet {
    let settings: FailoverReplica.Settings
    private(set) var live: [FailoverReplica] = []
    private var logs = 0

    init(settings: FailoverReplica.Settings) {
        self.settings = settings
    }

    /// Starts replica `name` (again, after a kill: the same name and data dir) and counts it as live.
    @discardableResult
    func start(_ name: String) async throws -> FailoverReplica {
        let replica = try await FailoverReplica.start(name, settings)
        live.append(replica)
        return replica
    }

    /// Reaps a replica that the caller has SIGKILLed (it is not signalled again: its pid may be reused once it is
    /// reaped) and keeps its log.
    func reap(_ replica: FailoverReplica) async {
        live.removeAll { $0.pid == replica.pid }
        let result = await replica.process.wait(timeout: .seconds(120))
        keepLog(replica, result)
    }

    /// SIGTERM to every live replica (a graceful stop; `RunningProcess.wait` SIGKILLs one that outlives two minutes,
    /// or at once when this task is cancelled), then waits for each.
    func stop() async {
        let all = live
        live = []
        for replica in all { replica.signal(SIGTERM) }
        for replica in all {
            let result = await replica.process.wait(timeout: .seconds(120))
            keepLog(replica, result)
        }
    }

    /// The last lines every live replica has logged so far, for an error.
    func tails() -> String {
        live.map { replica in
            let lines = replica.process.output.stderr.split(separator: "\n").suffix(15)
            return "--- \(replica.name) (pid \(replica.pid)):\n" + lines.joined(separator: "\n")
        }.joined(separator: "\n")
    }

    private func keepLog(_ replica: FailoverReplica, _ result: ProcessResult) {
        logs += 1
        let text =
            "pid \(replica.pid), \(result.signalled ? "ended by signal" : "exit") \(result.exitCode)\n"
            + result.stderr + result.stdout
        try? text.write(
            toFile: "\(settings.folder)/logs/\(String(format: "%02d", logs))-\(replica.name).log", atomically: true,
            encoding: .utf8)
    }
}
