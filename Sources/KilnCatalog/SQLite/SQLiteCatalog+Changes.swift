import GRDB

extension SQLiteCatalog {
    public func state(of tables: Set<CatalogTable>) async throws -> CatalogState {
        try await read { db in
            var state = CatalogState()
            if tables.contains(.builds) {
                for b in try BuildRecord.fetchAll(db) { state.builds[b.name] = b }
            }
            if tables.contains(.executions) {
                for e in try ExecutionRecord.order(Column("buildName"), Column("buildNumber")).fetchAll(db) {
                    state.executions[e.buildName, default: []].append(e)
                }
            }
            if tables.contains(.virtualImages) {
                for v in try VirtualImageRecord.fetchAll(db) {
                    state.virtualImages[v.executionId, default: []].append(v)
                }
            }
            if tables.contains(.images) {
                for i in try ImageRecord.fetchAll(db) { state.images[i.name] = i }
            }
            if tables.contains(.vms) {
                for v in try VMRecord.fetchAll(db) { state.vms[v.name] = v }
            }
            if tables.contains(.tombstones) {
                state.tombstones = try TombstoneRecord.order(Column("deletedAt")).fetchAll(db)
            }
            if tables.contains(.vms) {
                for d in try CallbackDelivery.order(Column("id")).fetchAll(db) {
                    state.callbacks[d.vmName, default: []].append(d)
                }
            }
            if tables.contains(.sync) {
                state.sync = try SyncRecord.fetchOne(db) ?? SyncRecord()
            }
            return state
        }
    }

    public func changes() async throws -> CatalogChanges {
        try await read { db in
            var changes = CatalogChanges()
            for row in try Row.fetchAll(db, sql: "SELECT tableName, version FROM catalog_change") {
                if let table = CatalogTable(tableName: row["tableName"]) { changes.versions[table] = row["version"] }
            }
            return changes
        }
    }
}
