import Foundation
import GRDB

/// Work on SQLite: the same calls as PostgreSQL's, for the one host that leads and claims alone. SQLite has one
/// writer at a time, so each call is a plain write transaction; the claim picks its rows in Swift, in queue order.
extension SQLiteCatalog {
    static let openWork = "state IN ('queued', 'claimed')"

    public func enqueue(_ work: [WorkRecord]) async throws -> [WorkRecord] {
        try await write { db in
            let epoch = try Self.leaderRow(db)?.epoch ?? 0
            var stored: [WorkRecord] = []
            for var item in work {
                if let open = try WorkRecord.fetchOne(
                    db, sql: "SELECT * FROM work WHERE workKey = ? AND \(Self.openWork)",
                    arguments: [item.workKey])
                {
                    stored.append(open)
                    continue
                }
                item.id = nil
                item.state = .queued
                item.holder = nil
                item.leaseExpiresAt = nil
                item.attempt = 0
                item.result = nil
                item.epoch = epoch
                item.claimedAt = nil
                item.finishedAt = nil
                try item.insert(db)
                stored.append(item)
            }
            return stored
        }
    }

    public func claimWork(
        host: String, labels: [String], capacity: WorkCapacity, limit: Int,
        lease: Duration
    ) async throws -> [WorkRecord] {
        guard limit > 0 else { return [] }
        return try await write { db in
            // A drained host takes no new work.
            let drained = try Bool.fetchOne(
                db, sql: "SELECT cordoned OR cordonedInGit FROM host WHERE name = ?", arguments: [host])
            if drained == true { return [] }
            let now = Date()
            let open = try WorkRecord.fetchAll(db, sql: "SELECT * FROM work WHERE \(Self.openWork) ORDER BY id")
            var claimed: [WorkRecord] = []
            var cpus: Int64 = 0
            var memory: Int64 = 0
            for var item in open where claimed.count < limit {
                guard item.state == .queued || (item.leaseExpiresAt.map { $0 < now } ?? true),
                    item.fits(labels: labels, capacity: capacity)
                else { continue }
                // Queue order: the first that does not fit what is left ends the claim, as on PostgreSQL.
                let (newCpus, cpuOverflow) = cpus.addingReportingOverflow(item.cpus)
                let (newMemory, memoryOverflow) = memory.addingReportingOverflow(item.memoryBytes)
                guard !cpuOverflow, !memoryOverflow, newCpus <= capacity.cpus, newMemory <= capacity.memoryBytes else {
                    break
                }
                cpus = newCpus
                memory = newMemory
                item.state = .claimed
                item.holder = host
                item.attempt += 1
                item.leaseExpiresAt = now.addingTimeInterval(lease.timeInterval)
                item.claimedAt = now
                try item.update(db)
                claimed.append(item)
            }
            return claimed
        }
    }

    public func renewWork(_ claim: WorkClaim, lease: Duration) async throws -> WorkRecord {
        try await write { db in
            guard var current = try WorkRecord.fetchOne(db, key: claim.workId), current.claim == claim else {
                throw WorkClaimLostError(claim: claim, current: try WorkRecord.fetchOne(db, key: claim.workId))
            }
            current.leaseExpiresAt = Date().addingTimeInterval(lease.timeInterval)
            try current.update(db)
            return current
        }
    }

    public func finishWork(_ claim: WorkClaim, _ completion: WorkCompletion) async throws -> WorkRecord {
        try await write { db in
            guard var current = try WorkRecord.fetchOne(db, key: claim.workId), current.claim == claim else {
                throw WorkClaimLostError(claim: claim, current: try WorkRecord.fetchOne(db, key: claim.workId))
            }
            current.state = completion.state
            current.result = completion.result
            current.finishedAt = Date()
            current.leaseExpiresAt = nil
            try current.update(db)
            if var execution = completion.execution { try execution.save(db) }
            for var image in completion.virtualImages { try image.insert(db) }
            for image in completion.images { _ = try Self.upsert(image, db) }
            for vm in completion.vms { _ = try Self.upsert(vm, db) }
            try Self.saveStatuses(completion.statuses, db)
            return current
        }
    }

    public func saveExecution(_ record: ExecutionRecord, claim: WorkClaim) async throws {
        try await write { db in
            guard let current = try WorkRecord.fetchOne(db, key: claim.workId), current.claim == claim else {
                throw WorkClaimLostError(claim: claim, current: try WorkRecord.fetchOne(db, key: claim.workId))
            }
            var record = record
            try record.save(db)
        }
    }

    public func work() async throws -> [WorkRecord] {
        try await read { db in try WorkRecord.order(Column("id")).fetchAll(db) }
    }

    public func claimedWork(host: String?) async throws -> [WorkRecord] {
        try await read { db in
            try WorkRecord.fetchAll(
                db, sql: "SELECT * FROM work WHERE state = 'claimed' AND (? IS NULL OR holder = ?) ORDER BY id",
                arguments: [host, host])
        }
    }

    public func work(key: String) async throws -> WorkRecord? {
        try await read { db in
            try WorkRecord.fetchOne(
                db, sql: "SELECT * FROM work WHERE workKey = ? ORDER BY id DESC LIMIT 1", arguments: [key])
        }
    }

    public func requeueWork(heldBy hosts: [String], reason: String) async throws -> [WorkRecord] {
        guard !hosts.isEmpty else { return [] }
        return try await write { db in
            var requeued: [WorkRecord] = []
            for var item in try WorkRecord.fetchAll(db, sql: "SELECT * FROM work WHERE state = 'claimed' ORDER BY id")
            where item.holder.map({ hosts.contains($0) }) == true {
                item.state = .queued
                item.result = reason
                item.leaseExpiresAt = nil
                try item.update(db)
                requeued.append(item)
            }
            return requeued
        }
    }

    public func requestCancel(workKey: String, execution: ExecutionRecord?) async throws -> WorkRecord? {
        try await write { db in
            guard
                var open = try WorkRecord.fetchOne(
                    db, sql: "SELECT * FROM work WHERE workKey = ? AND \(Self.openWork)", arguments: [workKey])
            else { return nil }
            if open.state == .queued {
                open.state = .failed
                open.result = WorkRecord.cancelledBeforeClaim
                open.finishedAt = Date()
                if var execution { try execution.save(db) }
            } else {
                open.cancelRequested = true
            }
            try open.update(db)
            return open
        }
    }
}
