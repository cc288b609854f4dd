import Foundation
import KilnCatalog

extension Reconciler {
    /// Work claimed by Lost hosts goes back to the queue (``Catalog/requeueWork(heldBy:reason:)``), so that another
    /// host takes it: a Lost host's workers may still run, cut off, but their renewals and finishes are refused from
    /// now on. Work whose lease merely ran out needs nothing: any host's claim takes it as it is.
    func requeueWorkOfLostHosts(_ fleet: FleetHosts) async {
        for host in fleet.hosts where fleet.state(of: host) == .lost {
            let since = ISO8601DateFormatter().string(from: host.heartbeatAt)
            do {
                let requeued = try await catalog.requeueWork(
                    heldBy: [host.name], reason: "host \(host.name) was lost (no heartbeat since \(since))")
                if !requeued.isEmpty {
                    logger.warning(
                        "host \(host.name) is Lost: its \(requeued.count) claimed work rows go back to the queue")
                }
            } catch {
                logger.warning("cannot requeue the work of Lost host \(host.name): \(error); the next pass tries again")
            }
        }
    }
}
