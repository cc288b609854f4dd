import KilnCatalog
import KilnReconciler

/// A build's executions as the data dir's catalog records them, read again whenever the catalog's change counters
/// move (one small query a few times a second). Build workers write their progress there, from their own processes.
struct LocalExecutionFeed {
    let catalog: any Catalog
    let build: String
    var period: Duration = .milliseconds(250)

    func run(_ emit: (WatchUpdate) throws -> Void) async throws {
        var seen: CatalogChanges?
        while true {
            let now = try await catalog.changes()
            let moved = now.changed(since: seen)
            if !moved.isDisjoint(with: [.builds, .executions, .virtualImages]) {
                let state = try await catalog.state(of: [.builds, .executions, .virtualImages])
                guard state.builds[build] != nil else { return try emit(.gone) }
                try emit(
                    .all(
                        (state.executions[build] ?? []).compactMap { e in
                            WatchedExecution(StatusDocument.execution(e, images: []))
                        }))
            }
            seen = now
            try await Task.sleep(for: period)
        }
    }
}
