import GRDB

extension SQLiteCatalog {
    public func state(of tables: Set<CatalogTable>) async throws -> CatalogState {
        try await read { [readCache] db in
            let versions = try Self.versions(db)
            var state = CatalogState()
            for table in CatalogTable.allCases where tables.contains(table) {
                let version = versions.versions[table]
                if let version, let cached = readCache.state(of: table, at: version) {
                    state.replace([table], from: cached)
                    continue
                }
                let fresh = try Self.read(table, db)
                if let version { readCache.store(fresh, of: table, at: version) }
                state.replace([table], from: fresh)
            }
            return state
        }
    }

    /// One table's rows, alone in a state.
    static func read(_ table: CatalogTable, _ db: Database) throws -> CatalogState {
        var state = CatalogState()
        switch table {
        case .builds:
            for b in try BuildRecord.fetchAll(db) { state.builds[b.name] = b }
        case .executions:
            for e in try ExecutionRecord.order(Column("buildName"), Column("buildNumber")).fetchAll(db) {
                state.executions[e.buildName, default: []].append(e)
            }
        case .virtualImages:
            for v in try VirtualImageRecord.fetchAll(db) { state.virtualImages[v.executionId, default: []].append(v) }
        case .images:
            for i in try ImageRecord.fetchAll(db) { state.images[i.name] = i }
        case .vms:
            for v in try VMRecord.fetchAll(db) { state.vms[v.name] = v }
            for d in try CallbackDelivery.order(Column("id")).fetchAll(db) {
                state.callbacks[d.vmName, default: []].append(d)
            }
        case .tombstones:
            state.tombstones = try TombstoneRecord.order(Column("deletedAt")).fetchAll(db)
        case .sync:
            state.sync = try SyncRecord.fetchOne(db) ?? SyncRecord()
        }
        return state
    }

    public func changes() async throws -> CatalogChanges {
        try await read { db in try Self.versions(db) }
    }

    static func versions(_ db: Database) throws -> CatalogChanges {
        var changes = CatalogChanges()
        for row in try Row.fetchAll(db, sql: "SELECT tableName, version FROM catalog_change") {
            if let table = CatalogTable(tableName: row["tableName"]) { changes.versions[table] = row["version"] }
        }
        return changes
    }
}
