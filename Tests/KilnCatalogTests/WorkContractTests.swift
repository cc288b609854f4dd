import Foundation
import KilnCatalog
import KilnSpec
import Testing

/// Work claimed by hosts, on SQLite and PostgreSQL alike: enqueueing once per key, claims that match labels and
/// capacity and never give one row to two hosts, leases that run out, and finishes that are refused once their claim
/// is no longer held and otherwise land with their catalog change in one transaction.
extension CatalogBackends {
    @Suite("Work contract (SQLite and PostgreSQL)")
    struct WorkContractTests {
        static let lease: Duration = .seconds(600)

        static func work(_ name: String, labels: [String] = [], cpus: Int64 = 1, memory: Int64 = 1 << 30) -> WorkRecord
        {
            WorkRecord(
                kind: .runExecution, object: ObjectKey(.imageBuild, name), detail: .object(["execution": .int(1)]),
                labels: labels, cpus: cpus, memoryBytes: memory, createdAt: Records.date)
        }

        /// The catalog as the leader writes to it: on PostgreSQL the fenced view of a host that took the lead.
        static func leaderView(_ t: TestCatalog, host: String = "leader") async throws -> (any Catalog, Int64) {
            let leadership = Leadership(host: host, lease: .seconds(15))
            let record = try await t.catalog.takeLead(host: host)
            leadership.update(.leader(record))
            return (t.catalog.fenced(by: leadership), record.epoch)
        }

        /// Moves a claimed row's lease into the past, as if its holder had stopped renewing long ago.
        static func expireLease(_ t: TestCatalog, id: Int64) async throws {
            switch t.backend {
            case .sqlite:
                try await t.sql("UPDATE work SET leaseExpiresAt = datetime('now', '-1 hour') WHERE id = \(id)")
            case .postgres:
                try await t.sql(#"UPDATE work SET "leaseExpiresAt" = now() - interval '1 hour' WHERE id = \#(id)"#)
            }
        }

        @Test(
            "the leader enqueues work once per key, with its epoch; a host claims what its labels and capacity allow, oldest first",
            arguments: Backend.allCases)
        func enqueueAndClaim(_ backend: Backend) async throws {
            try await TestCatalog.with(backend) { t in
                let (leader, epoch) = try await Self.leaderView(t)
                let queued = try await leader.enqueue([
                    Self.work("a"), Self.work("gpu", labels: ["gpu=yes"]), Self.work("big", memory: 64 << 30),
                    Self.work("b"),
                    Self.work("c", cpus: 2)
                ])
                #expect(queued.map(\.objectName) == ["a", "gpu", "big", "b", "c"])
                #expect(
                    queued.allSatisfy { $0.state == .queued && $0.epoch == epoch && $0.attempt == 0 && $0.id != nil })
                // The same action planned again (a later pass) adds nothing: the open row comes back.
                let again = try await leader.enqueue([Self.work("a")])
                #expect(again.map(\.id) == [queued[0].id])
                #expect(try await t.catalog.work().count == 5)

                // 4 GiB and 2 CPUs free, no labels: "a" and "b" fit (1+1 CPUs); "gpu" needs a label, "big" 64 GiB, and
                // "c" would make 4 CPUs.
                let capacity = WorkCapacity(cpus: 2, memoryBytes: 4 << 30)
                let claimed = try await t.catalog.claimWork(
                    host: "h1", labels: [], capacity: capacity, limit: 10, lease: Self.lease)
                #expect(claimed.map(\.objectName) == ["a", "b"])
                #expect(claimed.allSatisfy { $0.state == .claimed && $0.holder == "h1" && $0.attempt == 1 })
                let expiry = try #require(claimed.first?.leaseExpiresAt)
                #expect(expiry > Date().addingTimeInterval(300))
                // A labelled host with room claims the rest that fits it; nothing is left for the unlabelled one but "c".
                let gpu = try await t.catalog.claimWork(
                    host: "h2", labels: ["gpu=yes", "zone=x"], capacity: .unbounded, limit: 1,
                    lease: Self.lease)
                #expect(gpu.map(\.objectName) == ["gpu"])
                let rest = try await t.catalog.claimWork(
                    host: "h3", labels: [], capacity: WorkCapacity(cpus: 8, memoryBytes: 8 << 30),
                    limit: 10, lease: Self.lease)
                #expect(rest.map(\.objectName) == ["c"])
                #expect(
                    try await t.catalog.claimWork(
                        host: "h3", labels: [], capacity: .unbounded, limit: 0, lease: Self.lease
                    ).isEmpty)

                // Finished work is no longer open: the same key can be enqueued again (a new run).
                try await t.catalog.finishWork(try #require(claimed[0].claim), WorkCompletion(.done("built")))
                let rerun = try await leader.enqueue([Self.work("a")])
                #expect(rerun[0].id != queued[0].id && rerun[0].state == .queued)
            }
        }

        @Test("two hosts claiming at once never get the same row", arguments: Backend.allCases)
        func noDoubleClaims(_ backend: Backend) async throws {
            try await TestCatalog.with(backend) { t in
                let (leader, _) = try await Self.leaderView(t)
                _ = try await leader.enqueue((0..<40).map { Self.work("w\($0)") })
                let other = try await t.reopen()
                let clients: [(String, any Catalog)] = [("h1", t.catalog), ("h2", other)]
                let claims = try await withThrowingTaskGroup(of: [WorkRecord].self) { group in
                    for (host, client) in clients {
                        group.addTask {
                            var mine: [WorkRecord] = []
                            // At most 40 rounds: each takes at least one row until the queue is empty.
                            for _ in 0..<40 {
                                let got = try await client.claimWork(
                                    host: host, labels: [], capacity: .unbounded, limit: 3, lease: Self.lease)
                                if got.isEmpty { break }
                                mine += got
                            }
                            return mine
                        }
                    }
                    return try await group.reduce(into: [WorkRecord]()) { $0 += $1 }
                }
                #expect(claims.count == 40)
                #expect(Set(claims.map(\.id)).count == 40)
                let stored = try await t.catalog.work()
                #expect(stored.allSatisfy { $0.state == .claimed && $0.attempt == 1 })
                for claim in claims {
                    #expect(stored.first { $0.id == claim.id }?.holder == claim.holder)
                }
                if let other = other as? PostgresCatalog { await other.close() }
            }
        }

        @Test(
            "a claim whose lease ran out goes to another host; the old holder's renew and finish are refused, nothing applied",
            arguments: Backend.allCases)
        func expiredClaim(_ backend: Backend) async throws {
            try await TestCatalog.with(backend) { t in
                _ = try await t.catalog.saveBuild(Records.build("b"))
                let execution = try await t.catalog.newExecution(Records.execution("b", 0))
                let (leader, _) = try await Self.leaderView(t)
                let id = try #require(try await leader.enqueue([Self.work("b")]).first?.id)
                let first = try #require(
                    try await t.catalog.claimWork(
                        host: "old", labels: [], capacity: .unbounded, limit: 1,
                        lease: Self.lease
                    ).first?.claim)
                // While the lease holds, nobody else gets it, and the holder may renew.
                #expect(
                    try await t.catalog.claimWork(
                        host: "new", labels: [], capacity: .unbounded, limit: 1, lease: Self.lease
                    ).isEmpty)
                _ = try await t.catalog.renewWork(first, lease: Self.lease)

                try await Self.expireLease(t, id: id)
                let second = try #require(
                    try await t.catalog.claimWork(
                        host: "new", labels: [], capacity: .unbounded, limit: 1,
                        lease: Self.lease
                    ).first?.claim)
                #expect(second.workId == id && second.attempt == 2 && second.host == "new")

                await #expect {
                    _ = try await t.catalog.renewWork(first, lease: Self.lease)
                } throws: { error in
                    error is WorkClaimLostError && "\(error)".contains("now claimed by new (attempt 2)")
                }
                var late = execution
                late.status = .success
                late.statusMessage = "by the old holder"
                await #expect {
                    try await t.catalog.finishWork(first, WorkCompletion(.done("old"), execution: late))
                } throws: { error in
                    error is WorkClaimLostError && "\(error)".contains("work \(id) (attempt 1, claimed by old)")
                }
                #expect(try await t.catalog.execution(id: execution.id!)?.status == .pending)
                #expect(try await t.catalog.work().first?.state == .claimed)

                var done = execution
                done.status = .success
                done.statusMessage = "by the new holder"
                let finished = try await t.catalog.finishWork(
                    second, WorkCompletion(.done("built by new"), execution: done))
                #expect(finished.state == .done && finished.result == "built by new" && finished.holder == "new")
                #expect(try await t.catalog.execution(id: execution.id!)?.statusMessage == "by the new holder")
                // Finished: the holder cannot finish twice.
                await #expect(throws: WorkClaimLostError.self) {
                    try await t.catalog.finishWork(second, WorkCompletion(.failed("again")))
                }
            }
        }

        @Test(
            "an execution's start and progress are saved only under the claim its work holds now; a lost claim's are refused",
            arguments: Backend.allCases)
        func fencedProgress(_ backend: Backend) async throws {
            try await TestCatalog.with(backend) { t in
                _ = try await t.catalog.saveBuild(Records.build("b"))
                let execution = try await t.catalog.newExecution(Records.execution("b", 0))
                let (leader, _) = try await Self.leaderView(t)
                let id = try #require(try await leader.enqueue([Self.work("b")]).first?.id)
                let first = try #require(
                    try await t.catalog.claimWork(
                        host: "old", labels: [], capacity: .unbounded, limit: 1, lease: Self.lease
                    ).first?.claim)
                var running = execution
                running.status = .running
                running.pid = 1111
                running.statusMessage = "Provisioning on old"
                try await t.catalog.saveExecution(running, claim: first)
                #expect(try await t.catalog.execution(id: execution.id!)?.pid == 1111)

                try await Self.expireLease(t, id: id)
                let second = try #require(
                    try await t.catalog.claimWork(
                        host: "new", labels: [], capacity: .unbounded, limit: 1, lease: Self.lease
                    ).first?.claim)
                var taken = execution
                taken.status = .running
                taken.pid = 2222
                taken.statusMessage = "Starting on new"
                try await t.catalog.saveExecution(taken, claim: second)

                // The old attempt, paused and back: its progress is refused and the new attempt's row stays.
                running.statusMessage = "Converting on old"
                running.statusPercent = 90
                await #expect {
                    try await t.catalog.saveExecution(running, claim: first)
                } throws: { error in
                    error is WorkClaimLostError && "\(error)".contains("now claimed by new (attempt 2)")
                }
                let row = try #require(try await t.reopen().execution(id: execution.id!))
                #expect(row.pid == 2222 && row.statusMessage == "Starting on new" && row.statusPercent == 0)

                // Once the work is finished, no claim may write the execution any more.
                try await t.catalog.finishWork(second, WorkCompletion(.done("built by new"), execution: taken))
                await #expect(throws: WorkClaimLostError.self) {
                    try await t.catalog.saveExecution(taken, claim: second)
                }
            }
        }

        @Test(
            "the leader cancels work: queued work ends at once with its execution; claimed work learns it at its next renewal",
            arguments: Backend.allCases)
        func cancel(_ backend: Backend) async throws {
            try await TestCatalog.with(backend) { t in
                _ = try await t.catalog.saveBuild(Records.build("b"))
                var execution = try await t.catalog.newExecution(Records.execution("b", 0))
                let (leader, _) = try await Self.leaderView(t)
                _ = try await leader.enqueue([Self.work("b"), Self.work("c")])
                #expect(try await leader.requestCancel(workKey: Self.work("none").workKey, execution: nil) == nil)

                execution.status = .cancelled
                execution.statusMessage = "Cancelled: removed from git"
                let ended = try #require(
                    try await leader.requestCancel(workKey: Self.work("b").workKey, execution: execution))
                #expect(ended.state == .failed && ended.result == WorkRecord.cancelledBeforeClaim)
                #expect(try await t.catalog.execution(id: execution.id!)?.status == .cancelled)

                // Nothing of "b" is left to claim; "c" is claimed, then cancelled: its holder learns it as it renews.
                let claimed = try await t.catalog.claimWork(
                    host: "h", labels: [], capacity: .unbounded, limit: 5, lease: Self.lease)
                #expect(claimed.map(\.objectName) == ["c"])
                let claim = try #require(claimed.first?.claim)
                #expect(try await t.catalog.renewWork(claim, lease: Self.lease).cancelRequested == false)
                let asked = try #require(
                    try await leader.requestCancel(workKey: Self.work("c").workKey, execution: nil))
                #expect(asked.state == .claimed && asked.cancelRequested)
                let renewed = try await t.catalog.renewWork(claim, lease: Self.lease)
                #expect(renewed.cancelRequested)
                #expect(try #require(renewed.leaseExpiresAt) > Date().addingTimeInterval(300))
                // The holder finishes it with what its stopped run returned; then nothing of "c" is open.
                #expect(try await t.catalog.finishWork(claim, WorkCompletion(.failed("cancelled"))).state == .failed)
                #expect(try await leader.requestCancel(workKey: Self.work("c").workKey, execution: nil) == nil)
                #expect(try await t.catalog.work(key: Self.work("c").workKey)?.state == .failed)
                #expect(try await t.catalog.work(key: Self.work("never").workKey) == nil)
            }
        }

        @Test(
            "a Lost host's claims go back to the queue whatever their leases say; its renewal and finish are then refused",
            arguments: Backend.allCases)
        func requeueLostHost(_ backend: Backend) async throws {
            try await TestCatalog.with(backend) { t in
                let (leader, _) = try await Self.leaderView(t)
                _ = try await leader.enqueue([Self.work("x"), Self.work("y"), Self.work("z")])
                let lost = try await t.catalog.claimWork(
                    host: "lost", labels: [], capacity: .unbounded, limit: 2, lease: Self.lease
                ).compactMap(\.claim)
                #expect(lost.count == 2)
                let kept = try #require(
                    try await t.catalog.claimWork(
                        host: "alive", labels: [], capacity: .unbounded, limit: 1, lease: Self.lease
                    ).first?.claim)
                #expect(try await t.catalog.claimedWork(host: "lost").compactMap(\.id) == lost.map(\.workId))
                #expect(try await t.catalog.claimedWork(host: "alive").compactMap(\.id) == [kept.workId])
                #expect(
                    try await t.catalog.claimedWork(host: nil).compactMap(\.id).sorted()
                        == (lost.map(\.workId) + [kept.workId]).sorted())
                #expect(try await leader.requeueWork(heldBy: [], reason: "none").isEmpty)
                let reason = "host lost was lost (no heartbeat since 10:00)"
                let requeued = try await leader.requeueWork(heldBy: ["lost", "unknown"], reason: reason)
                #expect(requeued.compactMap(\.id) == lost.map(\.workId))
                #expect(requeued.allSatisfy { $0.state == .queued && $0.holder == "lost" && $0.result == reason })
                await #expect(throws: WorkClaimLostError.self) {
                    _ = try await t.catalog.renewWork(lost[0], lease: Self.lease)
                }
                await #expect(throws: WorkClaimLostError.self) {
                    try await t.catalog.finishWork(lost[1], WorkCompletion(.done("late")))
                }
                _ = try await t.catalog.renewWork(kept, lease: Self.lease)
                #expect(try await t.catalog.claimedWork(host: "lost").isEmpty)
                let again = try await t.catalog.claimWork(
                    host: "alive", labels: [], capacity: .unbounded, limit: 5, lease: Self.lease)
                #expect(again.compactMap(\.id) == lost.map(\.workId))
                #expect(again.allSatisfy { $0.attempt == 2 && $0.holder == "alive" })
            }
        }

        @Test(
            "a finish lands with its catalog change in one transaction: both, or (when the change fails) neither",
            arguments: Backend.allCases)
        func atomicFinish(_ backend: Backend) async throws {
            try await TestCatalog.with(backend) { t in
                _ = try await t.catalog.saveBuild(Records.build("b"))
                var execution = try await t.catalog.newExecution(Records.execution("b", 0))
                let (leader, _) = try await Self.leaderView(t)
                _ = try await leader.enqueue([Self.work("b")])
                let claim = try #require(
                    try await t.catalog.claimWork(
                        host: "h", labels: [], capacity: .unbounded, limit: 1,
                        lease: Self.lease
                    ).first?.claim)
                execution.status = .success
                // A virtual image of an execution that does not exist breaks the change (its foreign key): nothing lands.
                var orphan = Records.virtualImage(execution)
                orphan.executionId = 999_999
                await #expect(throws: (any Error).self) {
                    try await t.catalog.finishWork(
                        claim, WorkCompletion(.done("built"), execution: execution, virtualImages: [orphan]))
                }
                #expect(try await t.catalog.work().first?.state == .claimed)
                #expect(try await t.catalog.execution(id: execution.id!)?.status == .pending)

                let image = Records.virtualImage(execution)
                let update = StatusUpdate(
                    key: ObjectKey(.imageBuild, "b"),
                    status: ObjectStatus(conditions: [], observedRevision: "r2", observedSpecHash: "s"))
                try await t.catalog.finishWork(
                    claim,
                    WorkCompletion(
                        .done("built"), execution: execution, virtualImages: [image],
                        statuses: [update]))
                let after = try await t.reopen()
                #expect(try await after.work().first?.state == .done)
                #expect(try await after.execution(id: execution.id!)?.status == .success)
                #expect(try await after.virtualImages(of: execution.id!).map(\.name) == [image.name])
                #expect(try await after.state().builds["b"]?.status.observedRevision == "r2")
                if let after = after as? PostgresCatalog { await after.close() }
            }
        }
    }
}
