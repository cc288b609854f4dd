import Foundation
import Logging
import PostgresNIO

/// The fleet on PostgreSQL: the leader row, fencing, and the hosts table.
extension PostgresCatalog {
    public func leader() async throws -> LeaderRecord? {
        try await read { [logger] c in try await Self.leaderRow(on: c, lock: false, logger: logger) }
    }

    /// The leader row (nil while nobody has led); with `lock`, share-locked until the transaction ends, so no takeover
    /// commits in between.
    static func leaderRow(on c: PostgresConnection, lock: Bool, logger: Logger) async throws -> LeaderRecord? {
        let query: PostgresQuery =
            lock
            ? "SELECT epoch, host, since FROM leader WHERE id = 1 FOR SHARE"
            : "SELECT epoch, host, since FROM leader WHERE id = 1"
        for try await (epoch, host, since) in try await c.query(query, logger: logger).decode(
            (Int64, String, Date).self)
        {
            return epoch > 0 ? LeaderRecord(host: host, epoch: epoch, since: since) : nil
        }
        return nil
    }

    /// The fencing check, first in every write transaction of a fenced view: the catalog's epoch must be the one this
    /// host led with. The row stays share-locked to the commit, so a takeover (which updates it) waits for this write
    /// or this write sees the new epoch: never both.
    static func checkFence(_ leadership: Leadership, on c: PostgresConnection, logger: Logger) async throws {
        let current = try await leaderRow(on: c, lock: true, logger: logger)
        guard let epoch = leadership.fence, current?.epoch == epoch else {
            let error = FencedWriteError(epoch: leadership.fence, current: current)
            logger.warning("\(error)")
            throw error
        }
    }

    public func takeLead(host: String) async throws -> LeaderRecord {
        try await write { [logger] c in try await Self.takeLead(host: host, on: c, logger: logger) }
    }

    /// Raises the epoch and names `host` (the caller holds the leader lock); in the caller's transaction.
    static func takeLead(host: String, on c: PostgresConnection, logger: Logger) async throws -> LeaderRecord {
        for try await (epoch, host, since) in try await c.query(
            "UPDATE leader SET epoch = epoch + 1, host = \(host), since = now() WHERE id = 1 RETURNING epoch, host, since",
            logger: logger
        ).decode((Int64, String, Date).self) {
            return LeaderRecord(host: host, epoch: epoch, since: since)
        }
        throw CatalogError.missing("the leader row")
    }

    public func heartbeat(_ host: HostRecord) async throws -> HostRecord {
        try await write { [logger] c in
            var host = host
            // A drain (cordoned) is the fleet's to say, not the heartbeat's. The row stays locked to the commit, so a
            // drain committed meanwhile is not written back over: a plain read let a slow heartbeat undo `kiln drain`
            // (it read the row before the drain and wrote it after).
            for try await (id, cordoned, cordonedInGit) in try await c.query(
                #"SELECT id, cordoned, "cordonedInGit" FROM host WHERE name = \#(host.name) FOR UPDATE"#, logger: logger
            )
            .decode((Int64, Bool, Bool).self) {
                host.id = id
                host.cordoned = cordoned
                host.cordonedInGit = cordonedInGit
            }
            host.id = try await Self.save(host, table: "host", id: host.id, on: c, logger: logger)
            // The catalog's clock, not this host's: hosts' clocks may disagree, the lease must not.
            if let now = try await Self.scalar(
                Date.self, #"UPDATE host SET "heartbeatAt" = now() WHERE id = \#(host.id!) RETURNING "heartbeatAt""#,
                on: c, logger: logger)
            {
                host.heartbeatAt = now
            }
            return host
        }
    }

    public func cordon(host: String, _ cordoned: Bool) async throws -> HostRecord? {
        try await unfencedWrite { [logger] c in
            try await Self.records(
                HostRecord.self, "UPDATE host SET cordoned = \(cordoned) WHERE name = \(host) RETURNING *", on: c,
                logger: logger
            ).first
        }
    }

    public func cordonInGit(_ names: [String]) async throws -> [String] {
        try await write { [logger] c in
            var known: [String] = []
            for try await name in try await c.query(
                #"UPDATE host SET "cordonedInGit" = (name = ANY(\#(names))) WHERE "cordonedInGit" != (name = ANY(\#(names))) RETURNING name"#,
                logger: logger
            ).decode(String.self) {
                logger.info(
                    "hosts.yaml: host \(name) is now \(names.contains(name) ? "cordoned" : "no longer cordoned") by git"
                )
            }
            for try await name in try await c.query("SELECT name FROM host", logger: logger).decode(String.self) {
                known.append(name)
            }
            return names.filter { !known.contains($0) }
        }
    }

    /// Two statements without `BEGIN`/`COMMIT` (a quiet pass of the leader reads the hosts): the catalog's clock is
    /// read after the rows, so a heartbeat can only look older than it is, never younger.
    public func hosts() async throws -> FleetHosts {
        try await unfencedStatement { [logger] c in
            let hosts = try await Self.records(
                HostRecord.self, "SELECT * FROM host ORDER BY name", on: c, logger: logger)
            let now = try await Self.scalar(Date.self, "SELECT now()", on: c, logger: logger) ?? Date()
            return FleetHosts(hosts: hosts, now: now)
        }
    }

    public func fenced(by leadership: Leadership) -> any Catalog {
        PostgresCatalog(
            location: location, client: client, connection: connection, logger: logger,
            transactionLimit: transactionLimit, runner: runner, fence: leadership)
    }

    public func election(logger: Logger) -> any LeaderElection {
        PostgresLeaderElection(configuration: connection, location: location, logger: logger)
    }
}
