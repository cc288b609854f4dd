import KilnCatalog

extension Reconciler {
    /// The catalog as it is now, reading again only the tables whose change counter moved since the last read (the
    /// counters move with every insert, update and delete, by any process, in the writing transaction): a pass over
    /// 10,000 objects where nothing moved reads a few counters instead of every row.
    ///
    /// The counters are read before the rows, so the copy is never older than the counters it is kept with; a write
    /// in between only makes the next read take that table again.
    func readCatalog() async throws -> CatalogState {
        let changes = try await catalog.changes()
        guard !changes.versions.isEmpty, let cached = memory.catalogCache else {
            let state = try await catalog.state()
            memory.catalogCache = changes.versions.isEmpty ? nil : CatalogCache(state: state, changes: changes)
            return state
        }
        let moved = changes.changed(since: cached.changes)
        var state = cached.state
        if !moved.isEmpty {
            state.replace(moved, from: try await catalog.state(of: moved))
        }
        memory.catalogCache = CatalogCache(state: state, changes: changes)
        return state
    }
}

/// The catalog as the last pass read it, with the change counters it was read at.
struct CatalogCache {
    var state: CatalogState
    var changes: CatalogChanges
}
