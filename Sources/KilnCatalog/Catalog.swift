import Foundation
import KilnSpec
import Logging

/// Actual state: what Kiln has made and seen. The SQLite catalog is the default; a PostgreSQL catalog for several
/// replicas will implement the same protocol, so nothing above it changes.
///
/// Every method is one transaction: it either happens whole or not at all.
public protocol Catalog: Sendable {
    /// Everything, read in one transaction.
    func state() async throws -> CatalogState
    /// The named tables, read in one transaction; the other parts of the answer stay empty. With ``changes()``, this
    /// lets a read model re-read only what moved.
    func state(of tables: Set<CatalogTable>) async throws -> CatalogState
    /// Every table's change counter, in one small query.
    func changes() async throws -> CatalogChanges

    func sync() async throws -> SyncRecord
    func saveSync(_ record: SyncRecord) async throws

    func saveBuild(_ record: BuildRecord) async throws -> BuildRecord

    /// Records a new execution, giving it the build's next build number (atomically: numbers never repeat).
    func newExecution(_ template: ExecutionRecord) async throws -> ExecutionRecord
    func execution(id: Int64) async throws -> ExecutionRecord?
    func saveExecution(_ record: ExecutionRecord) async throws
    /// Marks an execution finished and registers its virtual images, in one transaction.
    func finishExecution(_ record: ExecutionRecord, images: [VirtualImageRecord]) async throws
    func virtualImages(of executionId: Int64) async throws -> [VirtualImageRecord]
    /// Deletes an execution and its virtual images.
    func deleteExecution(id: Int64) async throws

    func saveImage(_ record: ImageRecord) async throws -> ImageRecord
    func saveVM(_ record: VMRecord) async throws -> VMRecord
    /// Records a callback delivery attempt (inserted when new, updated with its outcome after); returns it with its id.
    func recordCallback(_ delivery: CallbackDelivery) async throws -> CallbackDelivery

    /// Saves the statuses a pass computed (and an image's state), in one transaction, touching nothing else.
    func saveStatuses(_ updates: [StatusUpdate]) async throws

    /// Saves many records in one transaction (what record-only actions change).
    func saveRecords(builds: [BuildRecord], images: [ImageRecord], vms: [VMRecord]) async throws

    /// Journals actions before they start, in one transaction, together with the executions they create and the
    /// host resources they will create. An execution's build number must be the build's next one (the catalog checks,
    /// so a number is never used twice). Returns the entries and executions with their ids.
    func beginActions(
        _ entries: [JournalEntry], executions: [ExecutionRecord],
        inventory: [InventoryItem]
    ) async throws -> ([JournalEntry], [ExecutionRecord])
    /// Closes journal entries and records the processes that run executions, in one transaction.
    func endActions(_ ends: [JournalEnd], workers: [ExecutionWorker]) async throws
    func vm(_ name: String) async throws -> VMRecord?
    /// Actions started but never ended: what a crash interrupted.
    func openActions() async throws -> [JournalEntry]

    func addInventory(_ item: InventoryItem) async throws
    func removeInventory(location: String) async throws
    func inventory(owner: String?) async throws -> [InventoryItem]
    func isInInventory(location: String) async throws -> Bool

    /// Rewrites inventory locations under `from` to be under `to` (files moved to or from the tombstone area).
    func moveInventory(from: String, to: String) async throws

    /// Records a tombstone and deletes the object's rows, in one transaction.
    func bury(_ tombstone: TombstoneRecord, key: ObjectKey) async throws -> TombstoneRecord
    /// Puts back the rows a tombstone holds and removes the tombstone, in one transaction.
    func unbury(_ tombstone: TombstoneRecord) async throws
    func removeTombstone(id: Int64) async throws

    // MARK: The fleet

    /// Who leads (nil before anyone has).
    func leader() async throws -> LeaderRecord?
    /// Records that `host` takes the lead: the epoch goes up by one, in one transaction. Only the holder of the leader
    /// lock calls it (through its ``LeaderElection``).
    func takeLead(host: String) async throws -> LeaderRecord
    /// Registers a host or renews its heartbeat (by name); returns it as stored.
    func heartbeat(_ host: HostRecord) async throws -> HostRecord
    /// Every registered host, with the catalog's clock.
    func hosts() async throws -> FleetHosts
    /// Drains a host (`kiln drain`: `cordoned` true) or takes it back (false): a drained host claims no new work and
    /// placement moves its VMs away. Its heartbeats keep what this says. Nil when no host has that name. An operator's
    /// word, not the leader's: never fenced.
    func cordon(host: String, _ cordoned: Bool) async throws -> HostRecord?
    /// Applies `hosts.yaml`'s `cordoned` list: exactly these hosts are cordoned by git (`cordonedInGit`), beside and
    /// apart from drains, so `kiln drain --undo` never lifts git's cordon and git never lifts a drain. Rows change
    /// only where the flag differs. Returns the names no host has. The leader's write (fenced).
    func cordonInGit(_ names: [String]) async throws -> [String]
    /// Fleet: saves what the leader decides of VMs in one transaction: the spec fields, host and placement reason of
    /// each, leaving the machine columns its host writes (``VMRecord/machineColumns``) alone. A VM new to the catalog
    /// is inserted whole; one whose host changes is written whole too (its machine columns as ``VMRecord/placeOn``
    /// reset them: the old host's machine is no longer the VM's).
    func saveVMDecisions(_ records: [VMRecord]) async throws
    /// Fleet: what `host` made and saw of a VM placed on it, writing only the machine columns, and only while the VM
    /// is still placed on `host` (`UPDATE … WHERE name = ? AND host = ?`): the placement fences this write, not the
    /// leader epoch. False, with nothing written, when the VM is gone or placed elsewhere.
    func saveVMMachine(_ record: VMRecord, host: String) async throws -> Bool
    /// This catalog with fencing: each write carries `leadership`'s epoch and is refused with ``FencedWriteError``
    /// when the catalog's leader epoch is another, so a paused old leader cannot overwrite the new one's work. A
    /// single-host catalog (its data dir's lock already keeps a second writer out) returns itself.
    func fenced(by leadership: Leadership) -> any Catalog
    /// How hosts sharing this catalog elect their leader.
    func election(logger: Logger) -> any LeaderElection

    // MARK: Work (claimed by hosts, never pushed)

    /// Adds work to the queue, in one transaction; work whose ``WorkRecord/workKey`` is already queued or claimed is
    /// not added again (its open row is returned instead). Only the leader enqueues: on PostgreSQL the call must come
    /// through ``fenced(by:)`` and carries its epoch (refused with ``FencedWriteError`` when stale or unfenced).
    func enqueue(_ work: [WorkRecord]) async throws -> [WorkRecord]
    /// Claims up to `limit` queued rows (or claimed rows whose lease ran out) that `host` may run: their labels are all
    /// in `labels` and, added up in queue order, they fit `capacity`. Oldest first; each claim raises the row's attempt
    /// and holds it for `lease`. On PostgreSQL, one statement with `FOR UPDATE SKIP LOCKED`: two hosts never claim the
    /// same row, and neither waits for the other.
    func claimWork(
        host: String, labels: [String], capacity: WorkCapacity, limit: Int, lease: Duration
    ) async throws -> [WorkRecord]
    /// Extends a held claim's lease to `lease` from now; returns the row as renewed (its new expiry, and whether the
    /// leader asked to cancel it), or throws ``WorkClaimLostError`` when the claim is no longer held.
    func renewWork(_ claim: WorkClaim, lease: Duration) async throws -> WorkRecord
    /// Finishes a held claim with its outcome and catalog change, in one transaction; throws ``WorkClaimLostError`` and
    /// applies nothing when the claim is no longer held. A claim whose lease ran out may still finish while no other
    /// host has claimed the work.
    @discardableResult
    func finishWork(_ claim: WorkClaim, _ completion: WorkCompletion) async throws -> WorkRecord
    /// Saves a claimed execution's start or progress only while `claim` is the work row's current one, in one
    /// transaction with that check; throws ``WorkClaimLostError`` and saves nothing otherwise. A cut-off or paused
    /// attempt can then never overwrite what the attempt that holds the work now records (its pid, log, progress).
    func saveExecution(_ record: ExecutionRecord, claim: WorkClaim) async throws
    /// Every work row, oldest first.
    func work() async throws -> [WorkRecord]
    /// The work claimed now (whatever its lease says): `host`'s, or every host's when nil; oldest first.
    func claimedWork(host: String?) async throws -> [WorkRecord]
    /// The newest row of a work key (the open one while there is one); nil when the key was never enqueued.
    func work(key: String) async throws -> WorkRecord?
    /// Puts work claimed by `hosts` back in the queue whatever their leases say, with `reason` as its result: the
    /// leader's answer to a host turning Lost (its heartbeat older than a lease). The holder's next renewal and its
    /// finish are refused. Returns those rows. The leader's write (fenced).
    func requeueWork(heldBy hosts: [String], reason: String) async throws -> [WorkRecord]
    /// The leader asks the open work of `workKey` to stop. Queued work ends `failed` at once ("cancelled before a host
    /// claimed it"), with `execution` (the cancelled execution, if any) saved in the same transaction; claimed work
    /// gets ``WorkRecord/cancelRequested``, which its holder reads at its next renewal, and finishes itself. Returns the
    /// row as it is now; nil when the key has no open work. The leader's write (fenced).
    @discardableResult
    func requestCancel(workKey: String, execution: ExecutionRecord?) async throws -> WorkRecord?
}

/// A new status for one object.
public struct StatusUpdate: Sendable, Hashable {
    public var key: ObjectKey
    public var status: ObjectStatus
    /// For an image, its Deltacloud state.
    public var imageState: ImageRecord.State?

    public init(key: ObjectKey, status: ObjectStatus, imageState: ImageRecord.State? = nil) {
        self.key = key
        self.status = status
        self.imageState = imageState
    }
}

/// The process that runs an execution.
public struct ExecutionWorker: Sendable, Hashable {
    public var executionId: Int64
    public var pid: Int32
    public var startTime: UInt64

    public init(executionId: Int64, pid: Int32, startTime: UInt64) {
        self.executionId = executionId
        self.pid = pid
        self.startTime = startTime
    }
}

/// How a journaled action ended.
public struct JournalEnd: Sendable, Hashable {
    public var id: Int64
    public var state: JournalEntry.State
    public var error: String?

    public init(id: Int64, state: JournalEntry.State, error: String? = nil) {
        self.id = id
        self.state = state
        self.error = error
    }
}
