import Foundation
import GRDB
import Logging

/// The fleet on SQLite: one host, which leads alone (the data dir's lock keeps any other writer out, so writes need
/// no fencing), with the same leader row and hosts table as PostgreSQL.
extension SQLiteCatalog {
    public func leader() async throws -> LeaderRecord? {
        try await read { db in try Self.leaderRow(db) }
    }

    static func leaderRow(_ db: Database) throws -> LeaderRecord? {
        guard let row = try Row.fetchOne(db, sql: "SELECT epoch, host, since FROM leader WHERE id = 1"),
            let epoch = row["epoch"] as Int64?, epoch > 0
        else { return nil }
        return LeaderRecord(host: row["host"], epoch: epoch, since: row["since"])
    }

    public func takeLead(host: String) async throws -> LeaderRecord {
        try await write { db in
            try db.execute(
                sql: "UPDATE leader SET epoch = epoch + 1, host = ?, since = ? WHERE id = 1", arguments: [host, Date()])
            guard let record = try Self.leaderRow(db) else { throw CatalogError.missing("the leader row") }
            return record
        }
    }

    public func heartbeat(_ host: HostRecord) async throws -> HostRecord {
        try await write { db in
            var host = host
            host.id = try Int64.fetchOne(db, sql: "SELECT id FROM host WHERE name = ?", arguments: [host.name])
            host.heartbeatAt = Date()
            if host.id != nil {
                // A drain (cordoned) is the fleet's to say, not the heartbeat's.
                host.cordoned =
                    try Bool.fetchOne(db, sql: "SELECT cordoned FROM host WHERE id = ?", arguments: [host.id]) ?? false
                host.cordonedInGit =
                    try Bool.fetchOne(db, sql: "SELECT cordonedInGit FROM host WHERE id = ?", arguments: [host.id])
                    ?? false
            }
            try host.save(db)
            return host
        }
    }

    public func hosts() async throws -> FleetHosts {
        try await read { db in FleetHosts(hosts: try HostRecord.order(Column("name")).fetchAll(db), now: Date()) }
    }

    public func cordon(host: String, _ cordoned: Bool) async throws -> HostRecord? {
        try await write { db in
            try db.execute(sql: "UPDATE host SET cordoned = ? WHERE name = ?", arguments: [cordoned, host])
            return try HostRecord.filter(Column("name") == host).fetchOne(db)
        }
    }

    public func cordonInGit(_ names: [String]) async throws -> [String] {
        try await write { db in
            let known = try String.fetchAll(db, sql: "SELECT name FROM host")
            let listed = Set(names)
            for name in known {
                try db.execute(
                    sql: "UPDATE host SET cordonedInGit = ? WHERE name = ? AND cordonedInGit != ?",
                    arguments: [listed.contains(name), name, listed.contains(name)])
            }
            return names.filter { !known.contains($0) }
        }
    }

    public func fenced(by leadership: Leadership) -> any Catalog { self }

    public func election(logger: Logger) -> any LeaderElection { SingleHostElection(catalog: self) }
}
