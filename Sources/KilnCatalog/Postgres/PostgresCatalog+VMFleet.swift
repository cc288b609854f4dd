import Foundation
import Logging
import PostgresNIO

/// The fleet's split VM writes (see ``VMRecord/machineColumns``) on PostgreSQL. The leader's go through its fenced view
/// (`write`); a host's machine writes are fenced by the placement in their WHERE clause instead.
extension PostgresCatalog {
    /// In a few round trips whatever the number of VMs (a first pass records thousands): their rows locked and their
    /// hosts read in one statement, then one batched upsert for the VMs that stay on their host (only the leader's
    /// columns change) and one for those new or moved (every column: the old host's machine is no longer theirs).
    public func saveVMDecisions(_ records: [VMRecord]) async throws {
        guard !records.isEmpty else { return }
        let names = records.map(\.name)
        try await write { [logger] c in
            var stored: [String: String] = [:]
            // '' for no host: host names are never empty.
            for try await (name, host) in try await c.query(
                "SELECT name, coalesce(host, '') FROM vm WHERE name = ANY(\(names)) ORDER BY name FOR UPDATE",
                logger: logger
            ).decode((String, String).self) {
                stored[name] = host
            }
            let staying = records.filter { stored[$0.name] == ($0.host ?? "") }
            let placed = records.filter { stored[$0.name] != ($0.host ?? "") }
            let queries =
                try PostgresStatements.upsert(
                    staying, into: VMRecord.databaseTableName, updating: VMRecord.isLeaderColumn)
                + PostgresStatements.upsert(placed, into: VMRecord.databaseTableName)
            for query in queries { try await c.query(query, logger: logger) }
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
    /// `UPDATE vm SET <columns> WHERE name = … AND host = … RETURNING id`: a host's write, fenced by the placement.
    static func updateVM(_ columns: [(String, CatalogColumnValue)], name: String, host: String) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: columns.count + 2)
        for (_, value) in columns { bind(value, to: &bindings) }
        bindings.append(name)
        bindings.append(host)
        let sets = columns.enumerated().map { "\(quoted($0.element.0)) = $\($0.offset + 1)" }.joined(separator: ", ")
        let sql = "UPDATE vm SET \(sets) WHERE name = $\(columns.count + 1) AND host = $\(columns.count + 2)"
        return PostgresQuery(unsafeSQL: sql + " RETURNING id", binds: bindings)
    }
}
