import GRDB

extension SQLiteCatalog {
    /// Every row, in one read transaction (`kiln catalog migrate`'s source).
    public func export() async throws -> CatalogExport {
        let state = try await state()
        return try await read { db in
            CatalogExport(
                state: state, journal: try JournalEntry.order(Column("id")).fetchAll(db),
                inventory: try InventoryItem.order(Column("id")).fetchAll(db),
                hasSync: try SyncRecord.fetchCount(db) > 0)
        }
    }
}
