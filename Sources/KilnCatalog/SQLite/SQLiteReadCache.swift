import Synchronization

/// The last decoded read of each table, with the change counter it was read at. In `kiln serve` the reconciler and
/// the API's read model both follow the change counters of one catalog; through this cache the second reader of a
/// table at a counter gets the first reader's decoded records, so the process holds one copy of the catalog rather
/// than two (measured with heaptrack on 10,000 images: 34 MB of the 183 MB heap was the second copy), and decodes
/// it once.
///
/// A counter moves in the same transaction as any write to its table (triggers), and a reader reads the counter in
/// the same read transaction as the rows, so an entry is exactly the table at that counter.
final class SQLiteReadCache: Sendable {
    private struct Entry: Sendable {
        var version: Int64
        var state: CatalogState
    }

    private let entries = Mutex<[CatalogTable: Entry]>([:])

    /// The table as read at `version`, or nil when the cache holds another version (or none).
    func state(of table: CatalogTable, at version: Int64) -> CatalogState? {
        entries.withLock { entries in
            guard let entry = entries[table], entry.version == version else { return nil }
            return entry.state
        }
    }

    /// Keeps `state` (a read of `table` alone) as the table at `version`.
    func store(_ state: CatalogState, of table: CatalogTable, at version: Int64) {
        entries.withLock { $0[table] = Entry(version: version, state: state) }
    }
}
