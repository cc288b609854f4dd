import Foundation
import KilnSpec
import PostgresNIO

/// Work on PostgreSQL: the leader enqueues (fenced by its epoch); any host claims with `FOR UPDATE SKIP LOCKED`, renews
/// and finishes under its claim (no leader fencing: a host's claim is its token, whoever leads).
extension PostgresCatalog {
    static let openStates = "state IN ('queued', 'claimed')"

    public func enqueue(_ work: [WorkRecord]) async throws -> [WorkRecord] {
        guard let fence else {
            let error = FencedWriteError(epoch: nil, current: try await leader())
            logger.warning("work not enqueued: \(error)")
            throw error
        }
        return try await write { [logger] c in
            // The fencing check (first in this transaction) found the leader row's epoch to be this leadership's, and
            // holds it share-locked to the commit: this is the epoch that enqueues.
            let epoch = fence.fence ?? 0
            var stored: [WorkRecord] = []
            for var item in work {
                item.id = nil
                item.state = .queued
                item.holder = nil
                item.leaseExpiresAt = nil
                item.attempt = 0
                item.result = nil
                item.epoch = epoch
                item.claimedAt = nil
                item.finishedAt = nil
                if let id = try await Self.insert(
                    item, into: "work", onConflict: #"ON CONFLICT ("workKey") WHERE \#(Self.openStates) DO NOTHING"#,
                    on: c, logger: logger)
                {
                    item.id = id
                    stored.append(item)
                } else {
                    let open = try await Self.records(
                        WorkRecord.self,
                        PostgresQuery(
                            unsafeSQL: #"SELECT * FROM work WHERE "workKey" = $1 AND \#(Self.openStates)"#,
                            binds: Self.bindings(item.workKey)),
                        on: c, logger: logger)
                    guard let existing = open.first else {
                        throw CatalogError.conflict("work \(item.workKey) was open, then gone")
                    }
                    stored.append(existing)
                }
            }
            return stored
        }
    }

    public func claimWork(
        host: String, labels: [String], capacity: WorkCapacity, limit: Int,
        lease: Duration
    ) async throws -> [WorkRecord] {
        guard limit > 0 else { return [] }
        let hostLabels = labels.sorted().columnJSON
        // Candidates in queue order, locked as they are taken and skipped when another claimer holds them; then the
        // prefix of them whose running totals fit the host's capacity. One statement: nothing between the lock and
        // the update for another host to see.
        let query: PostgresQuery = """
            WITH candidate AS (
                SELECT id, cpus, "memoryBytes" FROM work
                WHERE (state = 'queued' OR (state = 'claimed' AND "leaseExpiresAt" < now()))
                  AND \(hostLabels)::jsonb @> labels::jsonb AND cpus <= \(capacity.cpus) AND "memoryBytes" <= \(capacity.memoryBytes)
                  AND NOT EXISTS (SELECT 1 FROM host WHERE name = \(host) AND (cordoned OR "cordonedInGit"))
                ORDER BY id LIMIT \(Int64(limit))
                FOR UPDATE SKIP LOCKED
            ), fitting AS (
                SELECT id FROM (
                    SELECT id, sum(cpus) OVER running AS "cpuTotal", sum("memoryBytes") OVER running AS "memoryTotal"
                    FROM candidate WINDOW running AS (ORDER BY id)
                ) totals
                WHERE "cpuTotal" <= \(capacity.cpus) AND "memoryTotal" <= \(capacity.memoryBytes)
            )
            UPDATE work SET state = 'claimed', holder = \(host), attempt = work.attempt + 1,
                "leaseExpiresAt" = now() + make_interval(secs => \(lease.timeInterval)), "claimedAt" = now()
            FROM fitting WHERE work.id = fitting.id
            RETURNING work.*
            """
        let claimed = try await unfencedStatement { [logger] c in
            try await Self.records(WorkRecord.self, query, on: c, logger: logger)
        }
        return claimed.sorted { $0.id! < $1.id! }
    }

    public func renewWork(_ claim: WorkClaim, lease: Duration) async throws -> WorkRecord {
        try await unfencedStatement { [logger] c in
            let renewed = try await Self.records(
                WorkRecord.self,
                """
                UPDATE work SET "leaseExpiresAt" = now() + make_interval(secs => \(lease.timeInterval))
                WHERE id = \(claim.workId) AND state = 'claimed' AND holder = \(claim.host) AND attempt = \(claim.attempt)
                RETURNING *
                """, on: c, logger: logger
            ).first
            guard let renewed else { throw try await Self.lost(claim, on: c, logger: logger) }
            return renewed
        }
    }

    public func finishWork(_ claim: WorkClaim, _ completion: WorkCompletion) async throws -> WorkRecord {
        // The update is the check: it matches only while the claim is the row's current one, and takes the row's lock,
        // so a claimer waiting for the lease to run out skips the row until this commits, and then sees it finished.
        let update: PostgresQuery = """
            UPDATE work SET state = \(completion.state.rawValue), result = \(completion.result), "finishedAt" = now(),
                "leaseExpiresAt" = NULL
            WHERE id = \(claim.workId) AND state = 'claimed' AND holder = \(claim.host) AND attempt = \(claim.attempt)
            RETURNING *
            """
        let body: @Sendable (PostgresConnection) async throws -> WorkRecord = { [logger] c in
            guard let finished = try await Self.records(WorkRecord.self, update, on: c, logger: logger).first else {
                throw try await Self.lost(claim, on: c, logger: logger)
            }
            if let execution = completion.execution {
                _ = try await Self.save(execution, table: "execution", id: execution.id, on: c, logger: logger)
            }
            for image in completion.virtualImages {
                try await Self.insert(image, into: "virtual_image", on: c, logger: logger)
            }
            for image in completion.images { _ = try await Self.upsert(image, on: c, logger: logger) }
            for vm in completion.vms { _ = try await Self.upsert(vm, on: c, logger: logger) }
            try await Self.saveStatuses(completion.statuses, on: c, logger: logger)
            return finished
        }
        // Without a catalog change the update is the whole transaction.
        return completion.changesCatalog ? try await unfencedWrite(body) : try await unfencedStatement(body)
    }

    public func saveExecution(_ record: ExecutionRecord, claim: WorkClaim) async throws {
        // The claim's row is share-locked until the save commits: a requeue or another claim of it waits, and a claim
        // lost before this read refuses the save.
        let held: PostgresQuery = """
            SELECT id FROM work
            WHERE id = \(claim.workId) AND state = 'claimed' AND holder = \(claim.host) AND attempt = \(claim.attempt)
            FOR SHARE
            """
        try await unfencedWrite { [logger] c in
            guard try await Self.scalar(Int64.self, held, on: c, logger: logger) != nil else {
                throw try await Self.lost(claim, on: c, logger: logger)
            }
            _ = try await Self.save(record, table: "execution", id: record.id, on: c, logger: logger)
        }
    }

    /// The refusal of a claim that is no longer held, with the row as it is now.
    static func lost(_ claim: WorkClaim, on c: PostgresConnection, logger: Logger) async throws -> WorkClaimLostError {
        let current = try await records(
            WorkRecord.self, "SELECT * FROM work WHERE id = \(claim.workId)", on: c, logger: logger
        ).first
        let error = WorkClaimLostError(claim: claim, current: current)
        logger.warning("\(error)")
        return error
    }

    public func work() async throws -> [WorkRecord] {
        try await read { [logger] c in
            try await Self.records(WorkRecord.self, "SELECT * FROM work ORDER BY id", on: c, logger: logger)
        }
    }

    public func claimedWork(host: String?) async throws -> [WorkRecord] {
        try await read { [logger] c in
            if let host {
                return try await Self.records(
                    WorkRecord.self, "SELECT * FROM work WHERE state = 'claimed' AND holder = \(host) ORDER BY id",
                    on: c, logger: logger)
            }
            return try await Self.records(
                WorkRecord.self, "SELECT * FROM work WHERE state = 'claimed' ORDER BY id", on: c, logger: logger)
        }
    }

    public func work(key: String) async throws -> WorkRecord? {
        try await read { [logger] c in
            try await Self.records(
                WorkRecord.self,
                PostgresQuery(
                    unsafeSQL: #"SELECT * FROM work WHERE "workKey" = $1 ORDER BY id DESC LIMIT 1"#,
                    binds: Self.bindings(key)),
                on: c, logger: logger
            ).first
        }
    }

    public func requeueWork(heldBy hosts: [String], reason: String) async throws -> [WorkRecord] {
        guard !hosts.isEmpty else { return [] }
        return try await write { [logger] c in
            try await Self.records(
                WorkRecord.self,
                """
                UPDATE work SET state = 'queued', result = \(reason), "leaseExpiresAt" = NULL
                WHERE state = 'claimed' AND holder = ANY(\(hosts))
                RETURNING *
                """, on: c, logger: logger
            ).sorted { $0.id! < $1.id! }
        }
    }

    public func requestCancel(workKey: String, execution: ExecutionRecord?) async throws -> WorkRecord? {
        try await write { [logger] c in
            // Locked: a host claiming at this moment skips the row (SKIP LOCKED) and sees it ended after the commit.
            let open = try await Self.records(
                WorkRecord.self,
                PostgresQuery(
                    unsafeSQL: #"SELECT * FROM work WHERE "workKey" = $1 AND \#(Self.openStates) FOR UPDATE"#,
                    binds: Self.bindings(workKey)),
                on: c, logger: logger
            ).first
            guard let open, let id = open.id else { return nil }
            guard open.state == .queued else {
                return try await Self.records(
                    WorkRecord.self, #"UPDATE work SET "cancelRequested" = true WHERE id = \#(id) RETURNING *"#,
                    on: c, logger: logger
                ).first
            }
            let ended = try await Self.records(
                WorkRecord.self,
                """
                UPDATE work SET state = 'failed', result = \(WorkRecord.cancelledBeforeClaim), "finishedAt" = now()
                WHERE id = \(id) RETURNING *
                """, on: c, logger: logger
            ).first
            if let execution {
                _ = try await Self.save(execution, table: "execution", id: execution.id, on: c, logger: logger)
            }
            return ended
        }
    }
}
