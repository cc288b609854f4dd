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

    /// The work row that runs an execution.
    public static func work(for execution: ExecutionRecord) -> WorkRecord {
        WorkRecord(
            kind: .runExecution, object: ObjectKey(.imageBuild, execution.buildName),
            workKey: workKey(execution: execution),
            detail: .object([
                "execution": .int(Int(execution.id ?? -1)), "buildNumber": .int(execution.buildNumber)
            ]),
            cpus: cpus, memoryBytes: memoryBytes)
    }

    public func start(_ execution: ExecutionRecord) async throws -> WorkerProcess? {
        guard execution.id != nil else { throw FleetBuildError.notRecorded(execution.buildName) }
        _ = try await catalog.enqueue([Self.work(for: execution)])
        return nil
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
