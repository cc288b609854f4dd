import Foundation
import GRDB

/// The fleet's split VM writes (see ``VMRecord/machineColumns``) on SQLite.
extension SQLiteCatalog {
    public func saveVMDecisions(_ records: [VMRecord]) async throws {
        guard !records.isEmpty else { return }
        let updates = try records.map { ($0, try $0.leaderColumnValues()) }
        try await write { db in
            for (record, columns) in updates {
                let stored = try Row.fetchOne(db, sql: "SELECT host FROM vm WHERE name = ?", arguments: [record.name])
                guard let stored, (stored["host"] as String?) == record.host else {
                    _ = try Self.upsert(record, db)
                    continue
                }
                try Self.update(columns, name: record.name, host: nil, db)
            }
        }
    }

    public func saveVMMachine(_ record: VMRecord, host: String) async throws -> Bool {
        let columns = try record.machineColumnValues()
        return try await write { db in
            try Self.update(columns, name: record.name, host: host, db)
            return db.changesCount > 0
        }
    }

    /// `UPDATE vm SET <columns> WHERE name = ? [AND host = ?]`.
    static func update(_ columns: [(String, CatalogColumnValue)], name: String, host: String?, _ db: Database) throws {
        let sets = columns.map { "\"\($0.0)\" = ?" }.joined(separator: ", ")
        var values: [DatabaseValue] = columns.map { $0.1.databaseValue }
        values.append(name.databaseValue)
        var sql = "UPDATE vm SET \(sets) WHERE name = ?"
        if let host {
            sql += " AND host = ?"
            values.append(host.databaseValue)
        }
        try db.execute(sql: sql, arguments: StatementArguments(values))
    }
}
