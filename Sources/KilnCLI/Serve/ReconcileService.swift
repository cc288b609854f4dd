import Foundation
import KilnCatalog
import KilnReconciler
import KilnServer
import Logging
import ServiceLifecycle

/// The reconcile loop as a service: a pass every interval (±10% jitter), or at once when a push wakes it, stopping
/// between passes on shutdown. After each pass the read model is refreshed and the pass is published as an event.
///
/// Only the fleet's leader plans. Before each pass the loop asks ``Leadership`` whether this host still leads (its lock
/// proved held within two thirds of a lease); its writes go through a fenced view of the catalog carrying that epoch.
/// A follower plans nothing: it serves the catalog's read model (kept fresh by `ReadModelService`) and waits to be
/// woken by a change of role. On each takeover the new leader first recovers what a crash left open, then looks at
/// everything. A leader that loses the lead during a pass has the rest of that pass's writes refused by the catalog
/// (fencing), and the loop drops the pass's report and follows.
struct ReconcileService: Service {
    let reconciler: Reconciler
    let interval: Duration
    let health: ServerHealth
    let model: ReadModel
    let events: EventHub
    let waker: LoopWaker
    let leadership: Leadership
    let logger: Logger

    func run() async throws {
        var ledEpoch: Int64?
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            guard let epoch = leadership.leadingEpoch else {
                if let led = ledEpoch {
                    logger.warning(
                        "no longer the leader (epoch \(led)): planning stopped; following \(leadership.leader?.host ?? "nobody yet")"
                    )
                    ledEpoch = nil
                }
                // A follower serves the shared catalog: ready once it has read it and knows who leads.
                if model.snapshot.generation > 0, leadership.leader != nil { await health.markReady() }
                try? await cancelWhenGracefulShutdown { await waker.wait(leadership.lease / 3) }
                continue
            }
            var full = false
            if ledEpoch != epoch {
                ledEpoch = epoch
                full = true
                logger.info("leading with epoch \(epoch): recovering, then a full pass")
                do {
                    try await Leadership.$passEpoch.withValue(epoch) { try await reconciler.recover() }
                } catch {
                    logger.error(
                        "taking the lead: recovery failed (\(error)); the next pass looks at everything anyway")
                }
            }
            // The pass's writes carry the epoch it began under, even should this host lead again, later, before
            // it ends: what it planned under one term is never written under the next.
            let report = await Leadership.$passEpoch.withValue(epoch) { await reconciler.pass(full: full) }
            guard leadership.leadingEpoch == epoch else {
                // The catalog refused whatever the pass wrote after the lead changed hands; its report is not the fleet's.
                logger.warning(
                    "lost the lead (epoch \(epoch)) during a pass: its writes from then on were refused by fencing; the pass is dropped"
                )
                continue
            }
            if !report.outcomes.isEmpty || report.refusal != nil {
                logger.info(
                    "pass: \(report.outcomes.count) actions, \(report.objects.values.filter(\.ready).count)/\(report.objects.count) ready"
                )
            }
            // While work is in flight, look again soon; otherwise wait the interval.
            let base = report.settled ? interval : min(interval, .seconds(2))
            let wait = base * Double.random(in: 0.9...1.1)
            let now = Date()
            await health.passEnded(at: now, next: now.addingTimeInterval(Double(wait.components.seconds)))
            try? await model.refresh()
            if !report.outcomes.isEmpty { MemoryTrim.releaseFreed() }
            await events.publish("pass", PassEvent.data(report))
            try? await cancelWhenGracefulShutdown { await waker.wait(wait) }
        }
        await reconciler.shutdown()
        logger.info("reconcile loop stopped; running builds go on and are re-attached at the next start")
    }
}
