import Foundation
import KilnCatalog
import KilnSpec
import Logging

/// A catalog whose every read fails, as a locked or vanished database would: for the 500 answer.
struct FailingCatalog: Catalog {
    struct Failure: Error, CustomStringConvertible {
        var description: String { "database is locked: /var/lib/kiln/catalog.sqlite" }
    }

    func state() async throws -> CatalogState { throw Failure() }
    func state(of tables: Set<CatalogTable>) async throws -> CatalogState { throw Failure() }
    func changes() async throws -> CatalogChanges { throw Failure() }
    func sync() async throws -> SyncRecord { throw Failure() }
    func saveSync(_ record: SyncRecord) async throws { throw Failure() }
    func saveBuild(_ record: BuildRecord) async throws -> BuildRecord { throw Failure() }
    func newExecution(_ template: ExecutionRecord) async throws -> ExecutionRecord { throw Failure() }
    func execution(id: Int64) async throws -> ExecutionRecord? { throw Failure() }
    func saveExecution(_ record: ExecutionRecord) async throws { throw Failure() }
    func finishExecution(_ record: ExecutionRecord, images: [VirtualImageRecord]) async throws { throw Failure() }
    func virtualImages(of executionId: Int64) async throws -> [VirtualImageRecord] { throw Failure() }
    func deleteExecution(id: Int64) async throws { throw Failure() }
    func saveImage(_ record: ImageRecord) async throws -> ImageRecord { throw Failure() }
    func saveVM(_ record: VMRecord) async throws -> VMRecord { throw Failure() }
    func recordCallback(_ delivery: CallbackDelivery) async throws -> CallbackDelivery { throw Failure() }
    func saveStatuses(_ updates: [StatusUpdate]) async throws { throw Failure() }
    func saveRecords(builds: [BuildRecord], images: [ImageRecord], vms: [VMRecord]) async throws { throw Failure() }
    func beginActions(
        _ entries: [JournalEntry], executions: [ExecutionRecord],
        inventory: [InventoryItem]
    ) async throws -> ([JournalEntry], [ExecutionRecord]) { throw Failure() }
    func endActions(_ ends: [JournalEnd], workers: [ExecutionWorker]) async throws { throw Failure() }
    func vm(_ name: String) async throws -> VMRecord? { throw Failure() }
    func openActions() async throws -> [JournalEntry] { throw Failure() }
    func addInventory(_ item: InventoryItem) async throws { throw Failure() }
    func removeInventory(location: String) async throws { throw Failure() }
    func inventory(owner: String?) async throws -> [InventoryItem] { throw Failure() }
    func isInInventory(location: String) async throws -> Bool { throw Failure() }
    func moveInventory(from: String, to: String) async throws { throw Failure() }
    func bury(_ tombstone: TombstoneRecord, key: ObjectKey) async throws -> TombstoneRecord { throw Failure() }
    func unbury(_ tombstone: TombstoneRecord) async throws { throw Failure() }
    func removeTombstone(id: Int64) async throws { throw Failure() }
    func leader() async throws -> LeaderRecord? { throw Failure() }
    func takeLead(host: String) async throws -> LeaderRecord { throw Failure() }
    func heartbeat(_ host: HostRecord) async throws -> HostRecord { throw Failure() }
    func hosts() async throws -> FleetHosts { throw Failure() }
    func cordon(host: String, _ cordoned: Bool) async throws -> HostRecord? { throw Failure() }
    func cordonInGit(_ names: [String]) async throws -> [String] { throw Failure() }
    func saveVMDecisions(_ records: [VMRecord]) async throws { throw Failure() }
    func saveVMMachine(_ record: VMRecord, host: String) async throws -> Bool { throw Failure() }
    func fenced(by leadership: Leadership) -> any Catalog { self }
    func election(logger: Logger) -> any LeaderElection { SingleHostElection(catalog: self) }
    func enqueue(_ work: [WorkRecord]) async throws -> [WorkRecord] { throw Failure() }
    func claimWork(
        host: String, labels: [String], capacity: WorkCapacity, limit: Int, lease: Duration
    ) async throws -> [WorkRecord] {
        throw Failure()
    }
    func renewWork(_ claim: WorkClaim, lease: Duration) async throws -> WorkRecord { throw Failure() }
    func finishWork(_ claim: WorkClaim, _ completion: WorkCompletion) async throws -> WorkRecord { throw Failure() }
    func saveExecution(_ record: ExecutionRecord, claim: WorkClaim) async throws { throw Failure() }
    func work() async throws -> [WorkRecord] { throw Failure() }
    func claimedWork(host: String?) async throws -> [WorkRecord] { throw Failure() }
    func work(key: String) async throws -> WorkRecord? { throw Failure() }
    func requeueWork(heldBy hosts: [String], reason: String) async throws -> [WorkRecord] { throw Failure() }
    func requestCancel(workKey: String, execution: ExecutionRecord?) async throws -> WorkRecord? { throw Failure() }
}

extension Logger {
    /// For servers over a ``FailingCatalog``: their 500s are what the test expects, so their error lines would only
    /// bury a real failure in the test output.
    static let expectedFailures = Logger(label: "kiln-test.expected-failures") { _ in SwiftLogNoOpLogHandler() }
}
