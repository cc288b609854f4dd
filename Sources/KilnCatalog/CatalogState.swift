import KilnSpec

/// Actual state as the catalog records it: what the planner compares with desired state. A plain value, so the
/// planner needs no database.
public struct CatalogState: Sendable {
    public var builds: [String: BuildRecord]
    /// Executions of each build, oldest first.
    public var executions: [String: [ExecutionRecord]]
    /// Virtual images of each execution, by execution id.
    public var virtualImages: [Int64: [VirtualImageRecord]]
    public var images: [String: ImageRecord]
    public var vms: [String: VMRecord]
    public var tombstones: [TombstoneRecord]
    /// Callback deliveries of each VM, oldest first.
    public var callbacks: [String: [CallbackDelivery]] = [:]
    public var sync: SyncRecord

    public init(
        builds: [String: BuildRecord] = [:], executions: [String: [ExecutionRecord]] = [:],
        virtualImages: [Int64: [VirtualImageRecord]] = [:], images: [String: ImageRecord] = [:],
        vms: [String: VMRecord] = [:], tombstones: [TombstoneRecord] = [], sync: SyncRecord = SyncRecord()
    ) {
        self.builds = builds
        self.executions = executions
        self.virtualImages = virtualImages
        self.images = images
        self.vms = vms
        self.tombstones = tombstones
        self.sync = sync
    }

    public static let empty = CatalogState()

    /// The newest successful execution of a build.
    public func latestSuccess(of build: String) -> ExecutionRecord? {
        executions[build]?.last { $0.status == .success }
    }

    /// The newest execution of a build, whatever its state.
    public func latest(of build: String) -> ExecutionRecord? {
        executions[build]?.last
    }

    /// Executions that are pending or running.
    public var activeExecutions: [ExecutionRecord] {
        executions.values.flatMap { $0 }.filter { !$0.status.isFinished }
    }
}

extension CatalogState {
    /// Takes `tables` from `fresh` (a read of those tables alone) and keeps the rest: how a reader that follows the
    /// change counters brings its copy up to date without reading what did not move.
    public mutating func replace(_ tables: Set<CatalogTable>, from fresh: CatalogState) {
        for table in tables {
            switch table {
            case .builds: builds = fresh.builds
            case .executions: executions = fresh.executions
            case .virtualImages: virtualImages = fresh.virtualImages
            case .images: images = fresh.images
            case .vms:
                vms = fresh.vms
                callbacks = fresh.callbacks
            case .sync: sync = fresh.sync
            case .tombstones: tombstones = fresh.tombstones
            }
        }
    }
}
