import Foundation
import Logging

/// A host's side of the work queue: it runs a claimed row while renewing the claim's lease every third of it, and
/// finishes it under its claim with what the run returned. When a renewal is refused (the lease ran out and another
/// host claimed the row), the run is cancelled at once and nothing of it is finished: the work runs at most once at a
/// time, and never twice to completion.
public struct WorkWorker: Sendable {
    public let catalog: any Catalog
    public let host: String
    public let labels: [String]
    public let lease: Duration
    let logger: Logger

    public init(
        catalog: any Catalog, host: String, labels: [String] = [], lease: Duration,
        logger: Logger = Logger(label: "kiln.work")
    ) {
        self.catalog = catalog
        self.host = host
        self.labels = labels.sorted()
        self.lease = lease
        self.logger = logger
    }

    /// How one claimed row ended on this host.
    public enum Outcome: Sendable {
        /// Finished under its claim (done or failed, as the run said), with its catalog change.
        case finished(WorkRecord)
        /// The claim was lost while it ran or as it finished: the run was cancelled or its result refused.
        case lost(WorkClaimLostError)
        /// The finish could not be written (the catalog unreachable): the claim's lease will run out and the work
        /// goes back to the queue.
        case unfinished(WorkClaim, String)
    }

    /// Claims up to `limit` rows that fit `capacity` and runs them side by side; returns how each ended.
    public func runClaimed(
        capacity: WorkCapacity, limit: Int,
        _ run: @escaping @Sendable (WorkRecord) async throws -> WorkCompletion
    ) async throws -> [Outcome] {
        let claimed = try await catalog.claimWork(
            host: host, labels: labels, capacity: capacity, limit: limit, lease: lease)
        return await withTaskGroup(of: Outcome?.self) { group in
            for work in claimed { group.addTask { await perform(work, run) } }
            return await group.reduce(into: [Outcome]()) { if let outcome = $1 { $0.append(outcome) } }
        }
    }

    /// Runs one row this host claimed, renewing its lease while `run` works (which must end when cancelled), then
    /// finishes it: `done`/`failed` with `run`'s completion, or `failed` with the error `run` threw. When a renewal
    /// says the leader asked to cancel the work (``WorkRecord/cancelRequested``, or already at the claim), `run` is
    /// cancelled while the claim is still renewed, and what it returns is finished as usual. Nil for a row that holds
    /// no claim of this host.
    public func perform(
        _ work: WorkRecord, _ run: @escaping @Sendable (WorkRecord) async throws -> WorkCompletion
    ) async -> Outcome? {
        guard let claim = work.claim, claim.host == host else { return nil }
        enum Event: Sendable {
            case ran(WorkCompletion)
            case lost(WorkClaimLostError)
            case renewerStopped
        }
        // The run is a task of its own, so that a cancel stops it without stopping the renewals that keep its claim.
        let running = Task { () -> WorkCompletion in
            do {
                return try await run(work)
            } catch {
                return WorkCompletion(.failed("\(error)"))
            }
        }
        if work.cancelRequested { running.cancel() }
        let first = await withTaskGroup(of: Event.self) { group -> Event in
            group.addTask { [catalog, lease, logger] in
                while !Task.isCancelled {
                    do {
                        try await Task.sleep(for: lease / 3)
                        let renewed = try await catalog.renewWork(claim, lease: lease)
                        if renewed.cancelRequested, !running.isCancelled {
                            logger.info("the leader asked to cancel \(claim); stopping its run")
                            running.cancel()
                        }
                    } catch let lost as WorkClaimLostError {
                        return .lost(lost)
                    } catch is CancellationError {
                        break
                    } catch {
                        // The catalog unreachable for now: try again at the next third; the lease covers two misses.
                        logger.warning("could not renew the claim of \(claim): \(error)")
                    }
                }
                return .renewerStopped
            }
            group.addTask {
                let completion = await withTaskCancellationHandler {
                    await running.value
                } onCancel: {
                    running.cancel()
                }
                return .ran(completion)
            }
            var event = await group.next() ?? .renewerStopped
            if case .renewerStopped = event { event = await group.next() ?? .renewerStopped }
            group.cancelAll()
            return event
        }
        switch first {
        case .lost(let error):
            logger.warning("\(error); its run was cancelled")
            return .lost(error)
        case .renewerStopped:
            return .unfinished(claim, "the run ended without an answer")
        case .ran(let completion):
            do {
                return .finished(try await catalog.finishWork(claim, completion))
            } catch let lost as WorkClaimLostError {
                return .lost(lost)
            } catch {
                logger.warning("could not finish \(claim): \(error)")
                return .unfinished(claim, "\(error)")
            }
        }
    }
}
