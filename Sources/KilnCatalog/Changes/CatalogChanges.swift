/// The catalog's change counters, one per table: a counter moves whenever a row of its table is inserted, updated
/// or deleted, by any process. Comparing two readings tells which tables to read again.
public struct CatalogChanges: Sendable, Hashable {
    public var versions: [CatalogTable: Int64]

    public init(versions: [CatalogTable: Int64] = [:]) {
        self.versions = versions
    }

    /// The tables whose counter differs from `earlier` (all of them when `earlier` is nil).
    public func changed(since earlier: CatalogChanges?) -> Set<CatalogTable> {
        guard let earlier else { return Set(CatalogTable.allCases) }
        return Set(CatalogTable.allCases.filter { versions[$0] != earlier.versions[$0] })
    }
}
