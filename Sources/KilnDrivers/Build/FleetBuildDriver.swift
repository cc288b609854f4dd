import Foundation
import KilnCatalog
import KilnReconciler
import KilnSpec
import Logging

/// A fleet leader's build driver (issue 13): the leader runs no build itself. Starting an execution enqueues a work
/// row that any host may claim (the CLI's `BuildWorkService`, on every replica); the claiming host's worker (`kiln
/// internal-execute --work …`) builds it there, renews the claim while it works and records the outcome under it.
/// An execution runs while its work is open (queued or claimed); a cancel is asked of the claiming host through the
/// row, and ends queued work at once.
public struct FleetBuildDriver: BuildDriver {
    /// What the leader writes through: the fenced view of the catalog.
    let catalog: any Catalog
    /// This host's own driver, for the tools' versions (every host of a fleet is expected to run the same tools; the
    /// hosts table shows each one's Kiln version).
    let local: any BuildDriver
    let logger: Logger

    /// What one build takes of a host while it runs: the builder's VMs (provisioning and the boot check) run one at a
    /// time, each with 1 CPU and 1 GiB.
    public static let cpus: Int64 = 1
    public static let memoryBytes: Int64 = 1 << 30

    public init(catalog: any Catalog, local: any BuildDriver, logger: Logger = Logger(label: "kiln.build")) {
        self.catalog = catalog
        self.local = local
        self.logger = logger
    }

    /// The work key of an execution's run: one open row per execution (its attempts are the row's claims).
    public static func workKey(execution: ExecutionRecord) -> String {
        "\(WorkRecord.Kind.runExecution.rawValue) #\(execution.id ?? -1)"
    }

    /// The work row that runs an execution: only a host holding its build's ``Placement/workLabels`` claims it.
    public static func work(for execution: ExecutionRecord) -> WorkRecord {
        WorkRecord(
            kind: .runExecution, object: ObjectKey(.imageBuild, execution.buildName),
            workKey: workKey(execution: execution),
            detail: .object([
                "execution": .int(Int(execution.id ?? -1)), "buildNumber": .int(execution.buildNumber)
            ]),
            labels: ImageBuildSpec(execution.spec).placement.workLabels, cpus: cpus, memoryBytes: memoryBytes)
    }

    public func start(_ execution: ExecutionRecord) async throws -> WorkerProcess? {
        guard execution.id != nil else { throw FleetBuildError.notRecorded(execution.buildName) }
        let work = Self.work(for: execution)
        // Said before the row exists, so that no worker's start can be overwritten by it.
        await reportIfNoHostMay(run: execution)
        _ = try await catalog.enqueue([work])
        return nil
    }

    /// A placement that no host taking work satisfies now (a `placement.host` not in the fleet, labels no host has, or
    /// only Lost or drained hosts that do) is said at once, in the execution's status message and the log. The work
    /// stays queued, and runs once such a host is there.
    func reportIfNoHostMay(run execution: ExecutionRecord) async {
        let placement = ImageBuildSpec(execution.spec).placement
        guard let message = await Self.noHostMessage(placement, catalog: catalog) else { return }
        logger.warning("execution #\(execution.buildNumber) of \(execution.buildName): \(message)")
        var waiting = execution
        waiting.statusMessage = message
        do { try await catalog.saveExecution(waiting) } catch {
            logger.warning("cannot record that execution #\(execution.buildNumber) waits for a host: \(error)")
        }
    }

    /// Why no host may claim the work of a build placed so, or nil when one may (or the catalog cannot say).
    static func noHostMessage(_ placement: Placement, catalog: any Catalog) async -> String? {
        let needed = Set(placement.workLabels)
        guard !needed.isEmpty, let fleet = try? await catalog.hosts() else { return nil }
        let taking = fleet.hosts.filter { $0.state(at: fleet.now) == .ready && !$0.isCordoned }
        if taking.contains(where: { needed.isSubset(of: $0.labels + [Placement.hostLabel($0.name)]) }) {
            return nil
        }
        return
            "Waiting for a host: no Ready host that takes work matches its placement (\(placement.description)); see kiln get hosts. It runs once one does"
    }

    public func cancel(_ execution: ExecutionRecord) async {
        var cancelled = execution
        cancelled.status = .cancelled
        cancelled.statusMessage = "Cancelled before a host ran it"
        cancelled.endDate = Date()
        do {
            let row = try await catalog.requestCancel(workKey: Self.workKey(execution: execution), execution: cancelled)
            if let row, row.state == .claimed {
                logger.info(
                    "asked \(row.holder ?? "its host") to cancel execution #\(execution.buildNumber) of \(execution.buildName)"
                )
            }
        } catch {
            logger.warning(
                "cannot cancel execution #\(execution.buildNumber) of \(execution.buildName): \(error); the next pass tries again"
            )
        }
    }

    /// Whether its work is open. When the catalog cannot say, it counts as running: an execution is never marked
    /// interrupted for a failed read.
    public func isRunning(_ execution: ExecutionRecord) async -> Bool {
        do {
            return try await catalog.work(key: Self.workKey(execution: execution))?.state.isOpen ?? false
        } catch {
            logger.warning(
                "cannot read the work of execution #\(execution.buildNumber) of \(execution.buildName): \(error)")
            return true
        }
    }

    public func toolsFingerprint() async -> String {
        await local.toolsFingerprint()
    }
}

enum FleetBuildError: Error, CustomStringConvertible {
    case notRecorded(String)

    var description: String {
        switch self {
        case .notRecorded(let build): "an execution of \(build) is not recorded in the catalog, so no host can claim it"
        }
    }
}
