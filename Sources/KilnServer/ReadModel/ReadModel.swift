import Foundation
import KilnCatalog
import Logging
import Metrics
import Synchronization

/// The API's read model: the newest ``ReadSnapshot`` of the catalog, rebuilt only when the catalog's change counters
/// move, and then only from the tables that moved. Requests read the current snapshot without touching the catalog.
/// Each rebuild publishes what changed to the event hub (execution progress, object status, sync state), whichever
/// process wrote it: build workers write progress from their own processes.
public actor ReadModel {
    let catalog: any Catalog
    let events: EventHub?
    let logger: Logger
    private var changes: CatalogChanges?
    private let current = Mutex(ReadSnapshot.empty)
    private let failure = Mutex<String?>(nil)

    public init(catalog: any Catalog, events: EventHub? = nil, logger: Logger = Logger(label: "kiln.api")) {
        self.catalog = catalog
        self.events = events
        self.logger = logger
    }

    /// The snapshot every answer is computed from.
    public nonisolated var snapshot: ReadSnapshot { current.withLock { $0 } }

    /// Why the last refresh failed, while the answers come from an older snapshot.
    public nonisolated var staleReason: String? { failure.withLock { $0 } }

    /// Reads the change counters and, when some moved, re-reads those tables and publishes a new snapshot.
    /// Returns whether the snapshot changed. A failure keeps the last snapshot and is reported by ``staleReason``.
    @discardableResult
    public func refresh() async throws -> Bool {
        do {
            let now = try await catalog.changes()
            let changed = now.changed(since: changes)
            guard !changed.isEmpty else {
                failure.withLock { $0 = nil }
                return false
            }
            let fresh = try await catalog.state(of: changed)
            let old = snapshot
            var state = old.state
            state.replace(changed, from: fresh)
            let next = ReadSnapshot(
                generation: old.generation + 1, state: state, readAt: Date(), previous: old, changed: changed)
            current.withLock { $0 = next }
            if changed.contains(.executions) { Self.recordExecutions(state) }
            // The rebuild freed the old snapshot's memory: hand it back to the system rather than keep it in the heap.
            MemoryTrim.releaseFreed()
            changes = now
            failure.withLock { $0 = nil }
            if let events, old.generation > 0 {
                for (type, data) in EventMapping.events(from: old, to: next) { await events.publish(type, data) }
            }
            return true
        } catch {
            failure.withLock { $0 = "the catalog could not be read: \(error)" }
            throw error
        }
    }

    /// `kiln_executions{status}`: how many executions the catalog holds in each state.
    static func recordExecutions(_ state: CatalogState) {
        var counts = Dictionary(uniqueKeysWithValues: ExecutionRecord.Status.allCases.map { ($0, 0) })
        for list in state.executions.values { for e in list { counts[e.status, default: 0] += 1 } }
        for (status, count) in counts {
            Gauge(label: "kiln_executions", dimensions: [("status", status.rawValue)]).record(count)
        }
    }
}
