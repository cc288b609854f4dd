import Foundation
import KilnCatalog
import KilnReconciler

extension ReconcileFixture {
    /// The fleet fixture's one host, big enough for every VM of the repo (placement counts each VM's CPUs and
    /// memory, stopped or not), with a lease longer than any run so that it stays Ready without heartbeats.
    static func host(_ name: String, vms: Int, paths: DataPaths) -> HostRecord {
        let now = Date()
        return HostRecord(
            name: name, address: "http://127.0.0.1:1", cpus: Int64(vms) + 8, memoryBytes: Int64(vms + 8) << 27,
            diskFreeBytes: 100 << 30, kvm: false, labels: [], version: "kiln-bench", dataDir: paths.root,
            leaseSeconds: 24 * 3600, startedAt: now, heartbeatAt: now)
    }

    /// Leader passes and host passes in turn, as a fleet's replica runs them, until the leader's pass is settled and
    /// the host has nothing left to do; `timeout` only catches a hang.
    func settleFleet(_ host: HostPass, timeout: Duration) async -> PassReport {
        let deadline = ContinuousClock.now + timeout
        var report = await reconciler.pass()
        while ContinuousClock.now < deadline, !Task.isCancelled {
            let made = await host.pass()
            report = await reconciler.pass()
            if report.settled, !made.busy, made.outcomes.isEmpty, made.error == nil { break }
        }
        return report
    }
}
