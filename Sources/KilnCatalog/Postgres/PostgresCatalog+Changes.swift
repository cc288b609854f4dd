import Foundation
import PostgresNIO

extension PostgresCatalog {
    public func state(of tables: Set<CatalogTable>) async throws -> CatalogState {
        try await read { [logger] c in
            var state = CatalogState()
            if tables.contains(.builds) {
                for b in try await Self.records(
                    BuildRecord.self, "SELECT * FROM image_build ORDER BY id", on: c, logger: logger)
                {
                    state.builds[b.name] = b
                }
            }
            if tables.contains(.executions) {
                for e in try await Self.records(
                    ExecutionRecord.self, #"SELECT * FROM execution ORDER BY "buildName", "buildNumber""#,
                    on: c, logger: logger)
                {
                    state.executions[e.buildName, default: []].append(e)
                }
            }
            if tables.contains(.virtualImages) {
                for v in try await Self.records(
                    VirtualImageRecord.self, "SELECT * FROM virtual_image ORDER BY id", on: c, logger: logger)
                {
                    state.virtualImages[v.executionId, default: []].append(v)
                }
            }
            if tables.contains(.images) {
                for i in try await Self.records(
                    ImageRecord.self, "SELECT * FROM image ORDER BY id", on: c, logger: logger)
                {
                    state.images[i.name] = i
                }
            }
            if tables.contains(.vms) {
                for v in try await Self.records(VMRecord.self, "SELECT * FROM vm ORDER BY id", on: c, logger: logger) {
                    state.vms[v.name] = v
                }
            }
            if tables.contains(.tombstones) {
                state.tombstones = try await Self.records(
                    TombstoneRecord.self, #"SELECT * FROM tombstone ORDER BY "deletedAt", id"#,
                    on: c, logger: logger)
            }
            if tables.contains(.vms) {
                for d in try await Self.records(
                    CallbackDelivery.self, "SELECT * FROM vm_callback ORDER BY id", on: c, logger: logger)
                {
                    state.callbacks[d.vmName, default: []].append(d)
                }
            }
            if tables.contains(.sync) {
                state.sync =
                    try await Self.records(
                        SyncRecord.self, "SELECT * FROM sync ORDER BY id LIMIT 1", on: c, logger: logger
                    ).first
                    ?? SyncRecord()
            }
            return state
        }
    }

    /// One statement (one round trip, no `BEGIN`/`COMMIT`): every quiet pass of a fleet leader and every host pass
    /// reads the counters.
    public func changes() async throws -> CatalogChanges {
        try await unfencedStatement { [logger] c in
            var changes = CatalogChanges()
            for try await (name, version) in try await c.query(
                #"SELECT "tableName", version FROM catalog_change"#, logger: logger
            )
            .decode((String, Int64).self) {
                if let table = CatalogTable(tableName: name) { changes.versions[table] = version }
            }
            return changes
        }
    }

    /// What a listener on `kiln_changes` hears.
    public enum ChangeNotice: Sendable, Hashable {
        /// The listener is in place: anything committed from now on is announced. Whatever came before was not,
        /// so a read model re-reads everything once here (after every reconnection too).
        case listening
        /// A table changed (announced at its transaction's commit; several changes may come as one).
        case changed(CatalogTable)
    }

    /// Change announcements from every writer of this catalog (every replica and build worker), through `LISTEN
    /// kiln_changes` on a connection of its own. The stream ends with an error when that connection fails; stopping
    /// to iterate closes it.
    public func changeNotices() -> AsyncThrowingStream<ChangeNotice, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: ChangeNotice.self)
        let configuration = connection
        let logger = logger
        let location = location
        let task = Task {
            do {
                let connection = try await PostgresConnection.connect(
                    configuration: configuration, id: 1, logger: logger)
                defer { Task { try? await connection.close() } }
                try await connection.listen(on: "kiln_changes") { notifications in
                    continuation.yield(.listening)
                    for try await notification in notifications {
                        if let table = CatalogTable(tableName: notification.payload) {
                            continuation.yield(.changed(table))
                        }
                    }
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: PostgresCatalogError.connecting(error, to: location))
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
}
