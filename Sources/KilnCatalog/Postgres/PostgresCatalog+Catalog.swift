import Foundation
import KilnSpec
import PostgresNIO

/// The ``Catalog`` protocol on PostgreSQL, method by method as ``SQLiteCatalog`` does it.
extension PostgresCatalog {
    public func state() async throws -> CatalogState {
        try await state(of: Set(CatalogTable.allCases))
    }

    /// One statement, so no `BEGIN`/`COMMIT`: every pass that is not quiet reads it.
    public func sync() async throws -> SyncRecord {
        try await unfencedStatement { [logger] c in
            try await Self.records(SyncRecord.self, "SELECT * FROM sync ORDER BY id LIMIT 1", on: c, logger: logger)
                .first ?? SyncRecord()
        }
    }

    public func saveSync(_ record: SyncRecord) async throws {
        try await write { [logger] c in
            _ = try await Self.save(record, table: "sync", id: record.id, on: c, logger: logger)
        }
    }

    public func saveBuild(_ record: BuildRecord) async throws -> BuildRecord {
        try await write { [logger] c in try await Self.upsert(record, on: c, logger: logger) }
    }

    /// The build's row, locked until the transaction ends: the one lock that makes build numbers unique and gapless.
    static func lockedBuild(_ name: String, on c: PostgresConnection, logger: Logger) async throws -> BuildRecord {
        guard
            let build = try await records(
                BuildRecord.self, "SELECT * FROM image_build WHERE name = \(name) FOR UPDATE",
                on: c, logger: logger
            ).first
        else {
            throw CatalogError.missing("ImageBuild \(name)")
        }
        return build
    }

    /// The build's next number: after its counter and after every execution it has (a restored one included).
    static func nextBuildNumber(_ build: BuildRecord, on c: PostgresConnection, logger: Logger) async throws -> Int {
        let highest =
            try await scalar(
                Int64.self, #"SELECT MAX("buildNumber") FROM execution WHERE "buildName" = \#(build.name)"#,
                on: c, logger: logger) ?? 0
        return max(build.nextBuildNumber, Int(highest) + 1)
    }

    public func newExecution(_ template: ExecutionRecord) async throws -> ExecutionRecord {
        try await write { [logger] c in
            let build = try await Self.lockedBuild(template.buildName, on: c, logger: logger)
            var record = template
            record.buildNumber = try await Self.nextBuildNumber(build, on: c, logger: logger)
            try await c.query(
                #"UPDATE image_build SET "nextBuildNumber" = \#(record.buildNumber + 1) WHERE id = \#(build.id!)"#,
                logger: logger)
            record.id = try await Self.insert(record, into: "execution", on: c, logger: logger)
            return record
        }
    }

    public func execution(id: Int64) async throws -> ExecutionRecord? {
        try await read { [logger] c in
            try await Self.records(
                ExecutionRecord.self, "SELECT * FROM execution WHERE id = \(id)", on: c, logger: logger
            ).first
        }
    }

    public func saveExecution(_ record: ExecutionRecord) async throws {
        try await write { [logger] c in
            _ = try await Self.save(record, table: "execution", id: record.id, on: c, logger: logger)
        }
    }

    public func finishExecution(_ record: ExecutionRecord, images: [VirtualImageRecord]) async throws {
        try await write { [logger] c in
            _ = try await Self.save(record, table: "execution", id: record.id, on: c, logger: logger)
            for image in images { try await Self.insert(image, into: "virtual_image", on: c, logger: logger) }
        }
    }

    public func virtualImages(of executionId: Int64) async throws -> [VirtualImageRecord] {
        try await read { [logger] c in
            try await Self.records(
                VirtualImageRecord.self,
                #"SELECT * FROM virtual_image WHERE "executionId" = \#(executionId) ORDER BY id"#,
                on: c, logger: logger)
        }
    }

    public func deleteExecution(id: Int64) async throws {
        try await write { [logger] c in try await c.query("DELETE FROM execution WHERE id = \(id)", logger: logger) }
    }

    public func saveImage(_ record: ImageRecord) async throws -> ImageRecord {
        try await write { [logger] c in try await Self.upsert(record, on: c, logger: logger) }
    }

    public func saveVM(_ record: VMRecord) async throws -> VMRecord {
        try await write { [logger] c in try await Self.upsert(record, on: c, logger: logger) }
    }

    public func recordCallback(_ delivery: CallbackDelivery) async throws -> CallbackDelivery {
        try await write { [logger] c in
            var delivery = delivery
            delivery.id = try await Self.save(delivery, table: "vm_callback", id: delivery.id, on: c, logger: logger)
            return delivery
        }
    }

    public func saveStatuses(_ updates: [StatusUpdate]) async throws {
        guard !updates.isEmpty else { return }
        try await write { [logger] c in try await Self.saveStatuses(updates, on: c, logger: logger) }
    }

    /// Saves statuses in the caller's transaction, a batch of rows per statement.
    static func saveStatuses(_ updates: [StatusUpdate], on c: PostgresConnection, logger: Logger) async throws {
        for query in PostgresStatements.statuses(updates) { try await c.query(query, logger: logger) }
    }

    public func saveRecords(builds: [BuildRecord], images: [ImageRecord], vms: [VMRecord]) async throws {
        guard !(builds.isEmpty && images.isEmpty && vms.isEmpty) else { return }
        // A batch of rows per statement: a first pass's thousands of records in a handful of round trips.
        let queries =
            try PostgresStatements.upsert(builds, into: BuildRecord.databaseTableName)
            + PostgresStatements.upsert(images, into: ImageRecord.databaseTableName)
            + PostgresStatements.upsert(vms, into: VMRecord.databaseTableName)
        try await write { [logger] c in
            for query in queries { try await c.query(query, logger: logger) }
        }
    }

    /// Journals the actions, numbers and adds the executions and records their inventory in one transaction, each a
    /// batch of rows per statement. Every build that gets an execution is locked first, all at once in name order
    /// (two writers lock in the same order), so its numbers stay unique and gapless.
    public func beginActions(
        _ entries: [JournalEntry], executions: [ExecutionRecord],
        inventory: [InventoryItem]
    ) async throws -> ([JournalEntry], [ExecutionRecord]) {
        let journal = try PostgresStatements.insertAll(entries, into: "journal")
        let items = try PostgresStatements.insertAll(inventory, into: "inventory") { _ in "ON CONFLICT DO NOTHING" }
        return try await write { [logger] c in
            var journaled = entries
            let journalIds = try await Self.ids(journal, on: c, logger: logger)
            guard journalIds.count == entries.count else {
                throw CatalogError.conflict("journaled \(journalIds.count) of \(entries.count) actions")
            }
            for i in journaled.indices { journaled[i].id = journalIds[i] }
            let created = try await Self.addExecutions(executions, on: c, logger: logger)
            _ = try await Self.ids(items, on: c, logger: logger)
            return (journaled, created)
        }
    }

    /// Adds executions whose numbers the caller chose, checking each is its build's next one.
    static func addExecutions(
        _ executions: [ExecutionRecord], on c: PostgresConnection, logger: Logger
    ) async throws -> [ExecutionRecord] {
        guard !executions.isEmpty else { return [] }
        let names = Array(Set(executions.map(\.buildName))).sorted()
        // Only the counters, not the whole rows (whose specs are JSON to decode): locked, in name order.
        var next: [String: Int] = [:]
        for try await (name, counter) in try await c.query(
            #"SELECT name, "nextBuildNumber" FROM image_build WHERE name = ANY(\#(names)) ORDER BY name FOR UPDATE"#,
            logger: logger
        ).decode((String, Int64).self) {
            next[name] = Int(counter)
        }
        if let missing = names.first(where: { next[$0] == nil }) { throw CatalogError.missing("ImageBuild \(missing)") }
        // After every execution a build has too (a restored one included), as ``nextBuildNumber(_:on:logger:)``.
        for try await (name, highest) in try await c.query(
            #"SELECT "buildName", MAX("buildNumber") FROM execution WHERE "buildName" = ANY(\#(names)) GROUP BY "buildName""#,
            logger: logger
        ).decode((String, Int64).self) {
            next[name] = max(next[name] ?? 1, Int(highest) + 1)
        }
        for execution in executions {
            let expected = next[execution.buildName]!
            guard execution.buildNumber == expected else {
                throw CatalogError.conflict(
                    "ImageBuild \(execution.buildName)'s next build number is \(expected), not \(execution.buildNumber)"
                )
            }
            next[execution.buildName] = expected + 1
        }
        for query in PostgresStatements.update(
            "image_build", columns: ["name", "n"],
            rows: names.map { [.string($0), .int64(Int64(next[$0]!))] }, sets: #""nextBuildNumber" = v.n"#)
        {
            try await c.query(query, logger: logger)
        }
        let ids = try await Self.ids(
            try PostgresStatements.insertAll(executions, into: "execution"), on: c, logger: logger)
        guard ids.count == executions.count else {
            throw CatalogError.conflict("added \(ids.count) of \(executions.count) executions")
        }
        var created = executions
        for i in created.indices { created[i].id = ids[i] }
        return created
    }

    /// The ids that `queries` (`INSERT … RETURNING id`) return, in order.
    static func ids(_ queries: [PostgresQuery], on c: PostgresConnection, logger: Logger) async throws -> [Int64] {
        var ids: [Int64] = []
        for query in queries {
            for try await id in try await c.query(query, logger: logger).decode(Int64.self) { ids.append(id) }
        }
        return ids
    }

    public func endActions(_ ends: [JournalEnd], workers: [ExecutionWorker]) async throws {
        guard !(ends.isEmpty && workers.isEmpty) else { return }
        let now = Date()
        let queries =
            PostgresStatements.update(
                "journal", columns: ["id", "state", "error", "ended"],
                rows: ends.map {
                    [.int64($0.id), .string($0.state.rawValue), $0.error.map { .string($0) } ?? .null, .date(now)]
                },
                sets: #"state = v.state, error = v.error, "endedAt" = v.ended"#)
            + PostgresStatements.update(
                "execution", columns: ["id", "pid", "started"],
                rows: workers.map {
                    [.int64($0.executionId), .int64(Int64($0.pid)), .int64(Int64(bitPattern: $0.startTime))]
                }, sets: #"pid = v.pid, "pidStartTime" = v.started"#)
        try await write { [logger] c in
            for query in queries { try await c.query(query, logger: logger) }
        }
    }

    public func vm(_ name: String) async throws -> VMRecord? {
        try await read { [logger] c in
            try await Self.records(VMRecord.self, "SELECT * FROM vm WHERE name = \(name)", on: c, logger: logger).first
        }
    }

    public func openActions() async throws -> [JournalEntry] {
        try await read { [logger] c in
            try await Self.records(
                JournalEntry.self,
                "SELECT * FROM journal WHERE state = \(JournalEntry.State.started.rawValue) ORDER BY id",
                on: c, logger: logger)
        }
    }

    public func addInventory(_ item: InventoryItem) async throws {
        try await write { [logger] c in
            try await Self.insert(item, into: "inventory", onConflict: "ON CONFLICT DO NOTHING", on: c, logger: logger)
        }
    }

    public func removeInventory(location: String) async throws {
        try await write { [logger] c in
            try await c.query("DELETE FROM inventory WHERE location = \(location)", logger: logger)
        }
    }

    public func inventory(owner: String?) async throws -> [InventoryItem] {
        try await read { [logger] c in
            if let owner {
                return try await Self.records(
                    InventoryItem.self, "SELECT * FROM inventory WHERE owner = \(owner) ORDER BY id", on: c,
                    logger: logger)
            }
            return try await Self.records(
                InventoryItem.self, "SELECT * FROM inventory ORDER BY id", on: c, logger: logger)
        }
    }

    public func isInInventory(location: String) async throws -> Bool {
        try await read { [logger] c in
            try await Self.scalar(
                Bool.self, "SELECT EXISTS(SELECT 1 FROM inventory WHERE location = \(location))", on: c, logger: logger)
                ?? false
        }
    }

    public func moveInventory(from: String, to: String) async throws {
        try await write { [logger] c in
            let prefix = SQLiteCatalog.likePrefix(from)
            let items = try await Self.records(
                InventoryItem.self,
                #"SELECT * FROM inventory WHERE location = \#(from) OR location LIKE \#(prefix) ESCAPE '\'"#,
                on: c, logger: logger)
            for var item in items {
                item.location = to + item.location.dropFirst(from.count)
                try await c.query("DELETE FROM inventory WHERE location = \(item.location)", logger: logger)
                _ = try await Self.save(item, table: "inventory", id: item.id, on: c, logger: logger)
            }
        }
    }

    public func bury(_ tombstone: TombstoneRecord, key: ObjectKey) async throws -> TombstoneRecord {
        try await write { [logger] c in
            var tombstone = tombstone
            tombstone.id = try await Self.insert(tombstone, into: "tombstone", on: c, logger: logger)
            switch key.kind {
            case .imageBuild:
                try await c.query(#"DELETE FROM execution WHERE "buildName" = \#(key.name)"#, logger: logger)
                try await c.query("DELETE FROM image_build WHERE name = \(key.name)", logger: logger)
            case .image:
                try await c.query("DELETE FROM image WHERE name = \(key.name)", logger: logger)
            case .virtualMachine:
                try await c.query("DELETE FROM vm WHERE name = \(key.name)", logger: logger)
            }
            return tombstone
        }
    }

    /// As SQLite's `INSERT OR REPLACE`: rows that hold any of the restored rows' unique keys give way to them.
    public func unbury(_ tombstone: TombstoneRecord) async throws {
        guard let contents = tombstone.contents else {
            throw CatalogError.missing("the records of tombstone \(tombstone.id ?? 0)")
        }
        try await write { [logger] c in
            if var build = contents.build {
                build.id = nil
                try await c.query("DELETE FROM image_build WHERE name = \(build.name)", logger: logger)
                try await Self.insert(build, into: "image_build", on: c, logger: logger)
            }
            for execution in contents.executions {
                try await c.query(
                    #"DELETE FROM execution WHERE id = \#(execution.id) OR ("buildName" = \#(execution.buildName) AND "buildNumber" = \#(execution.buildNumber))"#,
                    logger: logger)
                try await Self.insert(execution, into: "execution", on: c, logger: logger)
            }
            for vi in contents.virtualImages {
                try await c.query(
                    #"DELETE FROM virtual_image WHERE id = \#(vi.id) OR ("executionId" = \#(vi.executionId) AND format = \#(vi.format))"#,
                    logger: logger)
                try await Self.insert(vi, into: "virtual_image", on: c, logger: logger)
            }
            if var image = contents.image {
                image.id = nil
                try await c.query("DELETE FROM image WHERE name = \(image.name)", logger: logger)
                try await Self.insert(image, into: "image", on: c, logger: logger)
            }
            if var vm = contents.vm {
                vm.id = nil
                try await c.query("DELETE FROM vm WHERE name = \(vm.name) OR uuid = \(vm.uuid)", logger: logger)
                try await Self.insert(vm, into: "vm", on: c, logger: logger)
            }
            if let id = tombstone.id { try await c.query("DELETE FROM tombstone WHERE id = \(id)", logger: logger) }
        }
    }

    public func removeTombstone(id: Int64) async throws {
        try await write { [logger] c in try await c.query("DELETE FROM tombstone WHERE id = \(id)", logger: logger) }
    }
}
