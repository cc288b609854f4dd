import Foundation
import GRDB
import KilnSpec

/// The embedded catalog: one SQLite file in the data dir, in WAL mode with `synchronous=FULL`, so that a committed
/// transaction (an action's journal entry above all) survives a crash or a power cut.
public final class SQLiteCatalog: Catalog {
    let pool: DatabasePool
    public let path: String
    let readCache = SQLiteReadCache()

    /// Opens (creating if needed) the catalog at `path` and brings its schema up to date.
    public init(path: String) throws(CatalogError) {
        self.path = path
        var config = Configuration()
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        // Other processes write here too (build workers), and each commit waits for fsync (synchronous=FULL). On a
        // machine whose disk was busy, a writer waited more than 10 s for one committing in a loop: waiting is right,
        // failing the pass is not. The deadline only catches a writer that never lets go.
        config.busyMode = .timeout(60)
        do {
            pool = try DatabasePool(path: path, configuration: config)
            // A catalog a newer Kiln migrated further is never written by this one (its migrations would run on a
            // schema they do not know, and it would write rows the newer Kiln does not expect).
            let unknown = try pool.read { db in
                try CatalogMigrations.migrator.appliedIdentifiers(db).subtracting(CatalogMigrations.all.map(\.id))
            }
            if !unknown.isEmpty { throw CatalogError.newerSchema(path: path, migrations: unknown.sorted()) }
            try CatalogMigrations.migrator.migrate(pool)
            try pool.read { db in
                let check = try String.fetchOne(db, sql: "PRAGMA quick_check") ?? "?"
                if check != "ok" { throw CatalogError.corrupt(path: path, detail: check) }
            }
        } catch let error as CatalogError {
            throw error
        } catch let error as DatabaseError
            where error.resultCode == .SQLITE_NOTADB || error.resultCode == .SQLITE_CORRUPT
        {
            throw .corrupt(path: path, detail: error.message ?? "\(error)")
        } catch {
            throw .open(path: path, detail: "\(error)")
        }
    }

    /// The catalog file's size in bytes, WAL included.
    public var sizeInBytes: Int64 {
        [path, path + "-wal"].reduce(0) { total, p in
            total + ((try? FileManager.default.attributesOfItem(atPath: p)[.size] as? Int64) ?? 0)
        }
    }

    func write<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        try await pool.write(body)
    }

    func read<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        try await pool.read(body)
    }

    public func state() async throws -> CatalogState {
        try await state(of: Set(CatalogTable.allCases))
    }

    public func sync() async throws -> SyncRecord {
        try await read { db in try SyncRecord.fetchOne(db) ?? SyncRecord() }
    }

    public func saveSync(_ record: SyncRecord) async throws {
        try await write { db in try record.save(db) }
    }

    public func saveBuild(_ record: BuildRecord) async throws -> BuildRecord {
        try await write { db in try Self.upsert(record, db) }
    }

    /// Inserts or updates a record by its name, keeping the id of the row it replaces. One cached statement
    /// (`INSERT … ON CONFLICT(name) DO UPDATE … RETURNING id`) binds the record's columns directly: GRDB's `save` (a
    /// lookup, then a persistence container and an insert or update) was a tenth of a 10,000-object first pass.
    static func upsert<R: NamedRecord & CatalogRecord>(_ record: R, _ db: Database) throws -> R {
        let columns = try CatalogRecordEncoder.columns(of: record).filter { $0.0 != "id" }
        let names = columns.map { "\"\($0.0)\"" }
        let updates = names.filter { $0 != "\"name\"" }.map { "\($0) = excluded.\($0)" }
        let statement = try db.cachedStatement(
            sql: "INSERT INTO \(R.databaseTableName) (\(names.joined(separator: ", "))) VALUES ("
                + Array(repeating: "?", count: names.count).joined(separator: ", ")
                + ") ON CONFLICT(name) DO UPDATE SET \(updates.joined(separator: ", ")) RETURNING id")
        statement.setUncheckedArguments(StatementArguments(columns.map { $0.1.databaseValue }))
        var record = record
        record.id = try Int64.fetchOne(statement)
        return record
    }

    public func newExecution(_ template: ExecutionRecord) async throws -> ExecutionRecord {
        try await write { db in
            guard var build = try BuildRecord.filter(Column("name") == template.buildName).fetchOne(db) else {
                throw CatalogError.missing("ImageBuild \(template.buildName)")
            }
            var record = template
            let highest =
                try Int.fetchOne(
                    db, sql: "SELECT MAX(buildNumber) FROM execution WHERE buildName = ?",
                    arguments: [template.buildName]) ?? 0
            record.buildNumber = max(build.nextBuildNumber, highest + 1)
            build.nextBuildNumber = record.buildNumber + 1
            try build.update(db)
            try record.insert(db)
            return record
        }
    }

    public func execution(id: Int64) async throws -> ExecutionRecord? {
        try await read { db in try ExecutionRecord.fetchOne(db, key: id) }
    }

    public func saveExecution(_ record: ExecutionRecord) async throws {
        try await write { db in
            var record = record
            try record.save(db)
        }
    }

    public func finishExecution(_ record: ExecutionRecord, images: [VirtualImageRecord]) async throws {
        try await write { db in
            var record = record
            try record.save(db)
            for var image in images { try image.insert(db) }
        }
    }

    public func virtualImages(of executionId: Int64) async throws -> [VirtualImageRecord] {
        try await read { db in try VirtualImageRecord.filter(Column("executionId") == executionId).fetchAll(db) }
    }

    public func deleteExecution(id: Int64) async throws {
        try await write { db in _ = try ExecutionRecord.deleteOne(db, key: id) }
    }

    public func saveImage(_ record: ImageRecord) async throws -> ImageRecord {
        try await write { db in try Self.upsert(record, db) }
    }

    public func saveVM(_ record: VMRecord) async throws -> VMRecord {
        try await write { db in try Self.upsert(record, db) }
    }

    public func recordCallback(_ delivery: CallbackDelivery) async throws -> CallbackDelivery {
        try await write { db in
            var delivery = delivery
            try delivery.save(db)
            return delivery
        }
    }

    public func saveStatuses(_ updates: [StatusUpdate]) async throws {
        guard !updates.isEmpty else { return }
        try await write { db in try Self.saveStatuses(updates, db) }
    }

    /// Saves statuses in the caller's transaction.
    static func saveStatuses(_ updates: [StatusUpdate], _ db: Database) throws {
        for update in updates {
            let status = update.status.columnJSON
            switch update.key.kind {
            case .imageBuild:
                try db.cachedStatement(sql: "UPDATE image_build SET status = ? WHERE name = ?")
                    .execute(arguments: [status, update.key.name])
            case .image:
                if let state = update.imageState {
                    try db.cachedStatement(sql: "UPDATE image SET status = ?, state = ? WHERE name = ?")
                        .execute(arguments: [status, state.rawValue, update.key.name])
                } else {
                    try db.cachedStatement(sql: "UPDATE image SET status = ? WHERE name = ?")
                        .execute(arguments: [status, update.key.name])
                }
            case .virtualMachine:
                try db.cachedStatement(sql: "UPDATE vm SET status = ? WHERE name = ?").execute(arguments: [
                    status, update.key.name
                ])
            }
        }
    }

    public func saveRecords(builds: [BuildRecord], images: [ImageRecord], vms: [VMRecord]) async throws {
        guard !(builds.isEmpty && images.isEmpty && vms.isEmpty) else { return }
        try await write { db in
            for b in builds { _ = try Self.upsert(b, db) }
            for i in images { _ = try Self.upsert(i, db) }
            for v in vms { _ = try Self.upsert(v, db) }
        }
    }

    public func beginActions(
        _ entries: [JournalEntry], executions: [ExecutionRecord],
        inventory: [InventoryItem]
    ) async throws -> ([JournalEntry], [ExecutionRecord]) {
        try await write { db in
            var journaled: [JournalEntry] = []
            for var entry in entries {
                try entry.insert(db)
                journaled.append(entry)
            }
            var created: [ExecutionRecord] = []
            // Only the counter is read and written, not the whole build row (whose spec is JSON to decode and encode
            // again): a first pass over 3,333 builds spent a quarter of its catalog time there.
            let counter = try db.cachedStatement(sql: "SELECT id, nextBuildNumber FROM image_build WHERE name = ?")
            let highestNumber = try db.cachedStatement(
                sql: "SELECT MAX(buildNumber) FROM execution WHERE buildName = ?")
            let advance = try db.cachedStatement(sql: "UPDATE image_build SET nextBuildNumber = ? WHERE id = ?")
            for var execution in executions {
                guard let build = try Row.fetchOne(counter, arguments: [execution.buildName]) else {
                    throw CatalogError.missing("ImageBuild \(execution.buildName)")
                }
                let id: Int64 = build["id"]
                let nextBuildNumber: Int = build["nextBuildNumber"]
                let highest = try Int.fetchOne(highestNumber, arguments: [execution.buildName]) ?? 0
                let next = max(nextBuildNumber, highest + 1)
                guard execution.buildNumber == next else {
                    throw CatalogError.conflict(
                        "ImageBuild \(execution.buildName)'s next build number is \(next), not \(execution.buildNumber)"
                    )
                }
                try advance.execute(arguments: [next + 1, id])
                try execution.insert(db)
                created.append(execution)
            }
            for var item in inventory { try item.insert(db, onConflict: .ignore) }
            return (journaled, created)
        }
    }

    public func endActions(_ ends: [JournalEnd], workers: [ExecutionWorker]) async throws {
        guard !(ends.isEmpty && workers.isEmpty) else { return }
        try await write { db in
            let now = Date()
            for end in ends {
                try db.cachedStatement(sql: "UPDATE journal SET state = ?, error = ?, endedAt = ? WHERE id = ?")
                    .execute(arguments: [end.state.rawValue, end.error, now, end.id])
            }
            for worker in workers {
                try db.cachedStatement(sql: "UPDATE execution SET pid = ?, pidStartTime = ? WHERE id = ?")
                    .execute(arguments: [worker.pid, Int64(bitPattern: worker.startTime), worker.executionId])
            }
        }
    }

    public func vm(_ name: String) async throws -> VMRecord? {
        try await read { db in try VMRecord.filter(Column("name") == name).fetchOne(db) }
    }

    public func openActions() async throws -> [JournalEntry] {
        try await read { db in
            try JournalEntry.filter(Column("state") == JournalEntry.State.started.rawValue).order(Column("id"))
                .fetchAll(db)
        }
    }

    public func addInventory(_ item: InventoryItem) async throws {
        try await write { db in
            var item = item
            try item.insert(db, onConflict: .ignore)
        }
    }

    public func removeInventory(location: String) async throws {
        try await write { db in try db.execute(sql: "DELETE FROM inventory WHERE location = ?", arguments: [location]) }
    }

    public func inventory(owner: String?) async throws -> [InventoryItem] {
        try await read { db in
            if let owner { return try InventoryItem.filter(Column("owner") == owner).fetchAll(db) }
            return try InventoryItem.fetchAll(db)
        }
    }

    public func isInInventory(location: String) async throws -> Bool {
        try await read { db in
            try Bool.fetchOne(
                db, sql: "SELECT EXISTS(SELECT 1 FROM inventory WHERE location = ?)", arguments: [location]) ?? false
        }
    }

    public func moveInventory(from: String, to: String) async throws {
        try await write { db in
            let items = try InventoryItem.fetchAll(
                db, sql: "SELECT * FROM inventory WHERE location = ? OR location LIKE ? ESCAPE '\\'",
                arguments: [from, Self.likePrefix(from)])
            for var item in items {
                item.location = to + item.location.dropFirst(from.count)
                try db.execute(sql: "DELETE FROM inventory WHERE location = ?", arguments: [item.location])
                try item.update(db)
            }
        }
    }

    static func likePrefix(_ path: String) -> String {
        path.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_") + "/%"
    }

    public func bury(_ tombstone: TombstoneRecord, key: ObjectKey) async throws -> TombstoneRecord {
        try await write { db in
            var tombstone = tombstone
            try tombstone.insert(db)
            switch key.kind {
            case .imageBuild:
                try db.execute(sql: "DELETE FROM execution WHERE buildName = ?", arguments: [key.name])
                try db.execute(sql: "DELETE FROM image_build WHERE name = ?", arguments: [key.name])
            case .image:
                try db.execute(sql: "DELETE FROM image WHERE name = ?", arguments: [key.name])
            case .virtualMachine:
                try db.execute(sql: "DELETE FROM vm WHERE name = ?", arguments: [key.name])
            }
            return tombstone
        }
    }

    public func unbury(_ tombstone: TombstoneRecord) async throws {
        guard let contents = tombstone.contents else {
            throw CatalogError.missing("the records of tombstone \(tombstone.id ?? 0)")
        }
        try await write { db in
            if var build = contents.build {
                build.id = nil
                try build.insert(db, onConflict: .replace)
            }
            for var execution in contents.executions { try execution.insert(db, onConflict: .replace) }
            for var vi in contents.virtualImages { try vi.insert(db, onConflict: .replace) }
            if var image = contents.image {
                image.id = nil
                try image.insert(db, onConflict: .replace)
            }
            if var vm = contents.vm {
                vm.id = nil
                try vm.insert(db, onConflict: .replace)
            }
            if let id = tombstone.id { _ = try TombstoneRecord.deleteOne(db, key: id) }
        }
    }

    public func removeTombstone(id: Int64) async throws {
        try await write { db in _ = try TombstoneRecord.deleteOne(db, key: id) }
    }
}

/// Why the catalog could not be used.
public enum CatalogError: Error, CustomStringConvertible, Sendable {
    case open(path: String, detail: String)
    case corrupt(path: String, detail: String)
    /// Migrations this Kiln does not know were applied: a newer Kiln wrote the catalog.
    case newerSchema(path: String, migrations: [String])
    case missing(String)
    case conflict(String)

    public var description: String {
        switch self {
        case .open(let path, let detail):
            "cannot open the catalog \(path): \(detail) (check the data dir's permissions and free space)"
        case .corrupt(let path, let detail):
            "the catalog \(path) is damaged (\(detail)); Kiln will not touch it: move it aside and let Kiln rebuild it from git, or restore a backup"
        case .newerSchema(let path, let migrations):
            "the catalog \(path) has a newer schema than this Kiln knows (migrations \(migrations.joined(separator: ", "))): a newer Kiln migrated it; upgrade this host's Kiln rather than let an older one write to it"
        case .missing(let what):
            "\(what) is not in the catalog"
        case .conflict(let what):
            "\(what); another process changed the catalog (is a second Kiln using this data dir?)"
        }
    }
}
