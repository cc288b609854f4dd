import Foundation
import GRDB
import KilnSpec

/// One piece of work of the fleet (issue 13): what the leader turns a plan action into, and a host claims, runs and
/// finishes. Hosts pull work (`SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL), never have it pushed to them, so a
/// host that dies takes nothing with it: its claim's lease runs out and the work goes back to the queue.
public struct WorkRecord: Sendable, Hashable, CatalogRecord, MutablePersistableRecord {
    public static let databaseTableName = "work"

    /// What to do.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable, TextColumn {
        /// Run a build execution (its id in ``detail``).
        case runExecution = "RunExecution"
        case startVM = "StartVM"
        case stopVM = "StopVM"
        case deleteVM = "DeleteVM"
        /// Download an image's source.
        case fetchImage = "FetchImage"
        /// Convert an image's disk to another format.
        case convertImage = "ConvertImage"
    }

    public enum State: String, Sendable, Hashable, Codable, CaseIterable, TextColumn {
        /// Waiting for a host to claim it.
        case queued
        /// A host holds it, until ``WorkRecord/leaseExpiresAt`` unless renewed.
        case claimed
        /// Finished with success; ``WorkRecord/result`` says what came of it.
        case done
        /// Finished with a failure; ``WorkRecord/result`` says why.
        case failed

        /// Queued or claimed: at most one open row per ``WorkRecord/workKey``.
        public var isOpen: Bool { self == .queued || self == .claimed }
    }

    public var id: Int64?
    public var kind: Kind
    /// The object the work is for.
    public var objectKind: String
    public var objectName: String
    /// What makes two rows the same work: enqueueing work whose key is already queued or claimed adds nothing, so a
    /// leader that plans the same action on every pass enqueues it once.
    public var workKey: String
    /// The work's parameters (an execution's id, a VM's generation …), as JSON.
    public var detail: SpecValue
    /// Labels (`key=value`, sorted) a host must all have to claim it.
    public var labels: [String]
    /// CPUs and memory the work takes on its host while it runs: a host claims only what fits what it has free.
    public var cpus: Int64
    public var memoryBytes: Int64
    public var state: State
    /// The host that holds (or last held) the claim.
    public var holder: String?
    /// When the claim's lease runs out: after that another host may claim the work, and the holder's finish is refused
    /// once it has. By the catalog's clock on PostgreSQL.
    public var leaseExpiresAt: Date?
    /// Claims so far; each claim raises it, so (id, holder, attempt) names one claim (``WorkClaim``) and an older claim
    /// of the same work is told apart from the current one.
    public var attempt: Int64
    /// What came of it (or why its last claim went back to the queue).
    public var result: String?
    /// The leader asked the holder to cancel the work (``Catalog/requestCancel(workKey:)``): the holder learns it at
    /// its next renewal, stops the run and finishes the row with what the cancelled run returned.
    public var cancelRequested: Bool
    /// The leader epoch that enqueued it.
    public var epoch: Int64
    public var createdAt: Date
    public var claimedAt: Date?
    public var finishedAt: Date?

    public init(
        id: Int64? = nil, kind: Kind, object: ObjectKey, workKey: String? = nil, detail: SpecValue = .object([:]),
        labels: [String] = [], cpus: Int64 = 0, memoryBytes: Int64 = 0, state: State = .queued, holder: String? = nil,
        leaseExpiresAt: Date? = nil, attempt: Int64 = 0, result: String? = nil, cancelRequested: Bool = false,
        epoch: Int64 = 0, createdAt: Date = Date(), claimedAt: Date? = nil, finishedAt: Date? = nil
    ) {
        self.id = id
        self.kind = kind
        objectKind = object.kind.rawValue
        objectName = object.name
        self.workKey = workKey ?? "\(kind.rawValue) \(object)"
        self.detail = detail
        self.labels = labels.sorted()
        self.cpus = cpus
        self.memoryBytes = memoryBytes
        self.state = state
        self.holder = holder
        self.leaseExpiresAt = leaseExpiresAt
        self.attempt = attempt
        self.result = result
        self.cancelRequested = cancelRequested
        self.epoch = epoch
        self.createdAt = createdAt
        self.claimedAt = claimedAt
        self.finishedAt = finishedAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    /// The result of queued work the leader cancelled before any host claimed it.
    public static let cancelledBeforeClaim = "cancelled before a host claimed it"

    /// The claim this record holds, while it is claimed.
    public var claim: WorkClaim? {
        guard state == .claimed, let id, let holder else { return nil }
        return WorkClaim(workId: id, host: holder, attempt: attempt)
    }

    /// Whether a host with `labels` and `capacity` free may run it.
    public func fits(labels hostLabels: [String], capacity: WorkCapacity) -> Bool {
        Set(labels).isSubset(of: hostLabels) && cpus <= capacity.cpus && memoryBytes <= capacity.memoryBytes
    }
}

/// One claim of one work row: the row, the host that claimed it and the attempt it claimed. Renewing and finishing
/// carry it, and the catalog refuses them once the row's current claim is another (``WorkClaimLostError``).
public struct WorkClaim: Sendable, Hashable, CustomStringConvertible {
    public var workId: Int64
    public var host: String
    public var attempt: Int64

    public init(workId: Int64, host: String, attempt: Int64) {
        self.workId = workId
        self.host = host
        self.attempt = attempt
    }

    public var description: String { "work \(workId) (attempt \(attempt), claimed by \(host))" }
}

/// What a host has free for new work.
public struct WorkCapacity: Sendable, Hashable {
    public var cpus: Int64
    public var memoryBytes: Int64

    public init(cpus: Int64, memoryBytes: Int64) {
        self.cpus = cpus
        self.memoryBytes = memoryBytes
    }

    /// No bound: any work fits (as many rows as the claim's limit).
    public static let unbounded = WorkCapacity(cpus: .max, memoryBytes: .max)
}
