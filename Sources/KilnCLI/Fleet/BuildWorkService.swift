import Foundation
import KilnCatalog
import KilnDrivers
import KilnReconciler
import KilnSpec
import Logging
import ServiceLifecycle

/// A fleet host's builds and image imports (issue 13), on every replica, leader or not: while fewer than `slots` of its
/// claims are open, it claims the work the leader enqueued (`RunExecution`, `FetchImage`, `ConvertImage`) that its
/// labels allow (its `--host-label`s, and ``Placement/hostLabel(_:)`` of its name for work placed on it by name) and
/// that fits its CPUs and memory less what its running builds and VMs take. A build gets a worker of its own (`kiln
/// internal-execute --work …`), which renews the claim while it builds and records the outcome under it, so it
/// outlives this service, and a restarted `kiln serve` counts it among this host's claims; an import runs in this
/// process (``ImageWorkRunner``). Every lease/3 (every 2 s at most), and at once when woken. The VMs placed here are
/// placement's to bound: they come first, and builds wait for what they leave.
struct BuildWorkService: Service {
    let host: String
    let labels: [String]
    /// What this host offers (`--host-cpus`, or the machine's).
    let cpus: Int64
    /// What the VMs running here take of it.
    let reserved: HostReservation
    /// The plain catalog: a host's claims are fenced by the claim, not by the leader's epoch.
    let catalog: any Catalog
    let builds: ProcessBuildDriver
    /// Runs the image imports this host claims (`FetchImage`, `ConvertImage`), in this process.
    let images: ImageWorkRunner
    let slots: Int
    let lease: Duration
    let waker: LoopWaker
    let logger: Logger

    func run() async throws {
        var failing = false
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                try await claimAndStart()
                if failing { logger.info("builds: the catalog answers again") }
                failing = false
            } catch {
                if !failing { logger.warning("builds: cannot claim work: \(error); retrying") }
                failing = true
            }
            let wait = min(lease / 3, .seconds(2))
            await cancelWhenGracefulShutdown { [waker] in await waker.wait(wait) }
        }
    }

    /// Claims what this host may take now and starts the worker of each.
    func claimAndStart() async throws {
        // A claim whose lease ran out has no worker renewing it (it died): it takes no slot, and any host, this one
        // included, may claim it again.
        let now = Date()
        let held = try await catalog.claimedWork(host: host).filter { ($0.leaseExpiresAt ?? .distantPast) > now }
        let free = slots - held.count
        guard free > 0 else { return }
        let vms = await reserved.value
        let capacity = WorkCapacity(
            cpus: cpus - vms.cpus - held.reduce(0) { $0 + $1.cpus },
            memoryBytes: Int64(clamping: ProcessInfo.processInfo.physicalMemory) - vms.memoryBytes
                - held.reduce(0) { $0 + $1.memoryBytes })
        let claimed = try await catalog.claimWork(
            host: host, labels: labels + [Placement.hostLabel(host)], capacity: capacity, limit: free, lease: lease
        )
        for work in claimed { await start(work) }
    }

    /// Starts the worker of one claimed row; a row it cannot run is finished failed, with why, under its claim.
    func start(_ work: WorkRecord) async {
        guard let claim = work.claim else { return }
        if ImageWorkRunner.runs(work.kind) {
            startImport(work)
            return
        }
        guard work.kind == .runExecution, let id = work.detail["execution"]?.int.map(Int64.init) else {
            await finish(claim, "this host runs build work only, not \(work.kind.rawValue) (\(work.workKey))")
            return
        }
        let execution: ExecutionRecord
        do {
            guard let found = try await catalog.execution(id: id) else {
                await finish(claim, "execution \(id) is no longer in the catalog")
                return
            }
            execution = found
        } catch {
            // The claim's lease runs out and the work goes back to the queue.
            logger.warning("builds: cannot read execution \(id) of \(claim): \(error)")
            return
        }
        guard !execution.status.isFinished else {
            await finish(claim, "execution #\(execution.buildNumber) of \(execution.buildName) already ended")
            return
        }
        do {
            _ = try await builds.startClaimed(execution, claim: claim, lease: lease)
            logger.info("host \(host): building execution #\(execution.buildNumber) of \(execution.buildName)")
        } catch {
            var failed = execution
            failed.status = .failed
            failed.statusMessage = "Failed"
            failed.errorMessage = "the build worker could not start on host \(host): \(error)"
            failed.endDate = Date()
            logger.error("host \(host): \(failed.errorMessage ?? "")")
            do {
                try await catalog.finishWork(claim, WorkCompletion(.failed("\(error)"), execution: failed))
            } catch {
                logger.warning("builds: cannot finish \(claim): \(error)")
            }
        }
    }

    /// Runs a claimed image import in this process, renewing its claim while it works, and finishes it under the
    /// claim. If `kiln serve` stops meanwhile, the claim's lease runs out and another host (or this one, back) takes
    /// the work again.
    func startImport(_ work: WorkRecord) {
        let worker = WorkWorker(catalog: catalog, host: host, labels: labels, lease: lease, logger: logger)
        Task { [images, logger] in
            switch await worker.perform(work, { try await images.run($0) }) {
            case .finished(let row)?:
                logger.info("host \(host): \(row.workKey) ended \(row.state.rawValue): \(row.result ?? "")")
                await images.cleanUp(after: row, accepted: true)
            case .lost(let error)?:
                logger.warning("host \(host): \(error)")
                await images.cleanUp(after: work, accepted: false)
            case .unfinished(let claim, let why)?:
                // The finish may yet have been written: what it made stays, for the next sweep to judge.
                logger.warning("host \(host): cannot finish \(claim): \(why); its lease runs out and it is run again")
            case nil:
                break
            }
        }
    }

    /// Ends a claimed row this host will not run.
    func finish(_ claim: WorkClaim, _ why: String) async {
        logger.warning("host \(host): \(why); \(claim) ends failed")
        do { try await catalog.finishWork(claim, WorkCompletion(.failed(why))) } catch {
            logger.warning("builds: cannot finish \(claim): \(error)")
        }
    }
}
