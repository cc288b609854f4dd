import Foundation
import Logging
import PostgresNIO

/// The fleet's split VM writes (see ``VMRecord/machineColumns``) on PostgreSQL. The leader's go through its fenced view
/// (`write`); a host's machine writes are fenced by the placement in their WHERE clause instead.
extension PostgresCatalog {
    public func saveVMDecisions(_ records: [VMRecord]) async throws {
        guard !records.isEmpty else { return }
        let updates = try records.map { ($0, try $0.leaderColumnValues()) }
        try await write { [logger] c in
            for (record, columns) in updates {
                // '' for no host: host names are never empty.
                let stored = try await Self.scalar(
                    String.self, "SELECT coalesce(host, '') FROM vm WHERE name = \(record.name) FOR UPDATE", on: c,
                    logger: logger)
                guard let stored, stored == (record.host ?? "") else {
                    _ = try await Self.upsert(record, on: c, logger: logger)
                    continue
                }
                _ = try await Self.scalar(
                    Int64.self, PostgresStatements.updateVM(columns, name: record.name, host: nil), on: c,
                    logger: logger)
            }
        }
    }

    public func saveVMMachine(_ record: VMRecord, host: String) async throws -> Bool {
        let query = PostgresStatements.updateVM(try record.machineColumnValues(), name: record.name, host: host)
        return try await unfencedWrite { [logger] c in
            try await Self.scalar(Int64.self, query, on: c, logger: logger) != nil
        }
    }
}

extension PostgresStatements {
    /// `UPDATE vm SET <columns> WHERE name = … [AND host = …] RETURNING id`.
    static func updateVM(_ columns: [(String, CatalogColumnValue)], name: String, host: String?) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: columns.count + 2)
        for (_, value) in columns { bind(value, to: &bindings) }
        bindings.append(name)
        let sets = columns.enumerated().map { "\(quoted($0.element.0)) = $\($0.offset + 1)" }.joined(separator: ", ")
        var sql = "UPDATE vm SET \(sets) WHERE name = $\(columns.count + 1)"
        if let host {
            bindings.append(host)
            sql += " AND host = $\(columns.count + 2)"
        }
        return PostgresQuery(unsafeSQL: sql + " RETURNING id", binds: bindings)
    }
}
