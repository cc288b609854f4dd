import Foundation
import KilnCatalog
import KilnSpec
import Testing

/// The host's side of the queue, on SQLite and PostgreSQL: a run longer than its lease keeps its claim because the
/// worker renews it; a run whose claim another host took is cancelled, and nothing of it lands.
extension CatalogBackends {
    @Suite("Work worker (SQLite and PostgreSQL)")
    struct WorkWorkerTests {
        struct TimedOut: Error, CustomStringConvertible {
            var what: String
            var description: String { "timed out waiting for \(what)" }
        }

        /// Waits for `condition`, checking every 50 ms, with a deadline that only catches a hang.
        static func wait(for what: String, _ condition: @Sendable () async throws -> Bool) async throws {
            let end = ContinuousClock.now + .seconds(120)
            while ContinuousClock.now < end {
                if try await condition() { return }
                try await Task.sleep(for: .milliseconds(50))
            }
            throw TimedOut(what: what)
        }

        /// The task's value; past a deadline that only catches a hang, the task is cancelled and the test fails.
        static func value<T: Sendable>(of task: Task<T, any Error>, _ what: String) async throws -> T {
            try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask { try await task.value }
                group.addTask {
                    try await Task.sleep(for: .seconds(120))
                    task.cancel()
                    return nil
                }
                let first = try await group.next() ?? nil
                group.cancelAll()
                guard let first else { throw TimedOut(what: what) }
                return first
            }
        }

        static func status(_ revision: String) -> StatusUpdate {
            StatusUpdate(key: ObjectKey(.imageBuild, "b"), status: ObjectStatus(observedRevision: revision))
        }

        @Test(
            "a run longer than its lease keeps its claim: the worker renews it, then finishes with the run's change",
            arguments: Backend.allCases)
        func renewsWhileRunning(_ backend: Backend) async throws {
            try await TestCatalog.with(backend) { t in
                _ = try await t.catalog.saveBuild(Records.build("b"))
                let (leader, _) = try await WorkContractTests.leaderView(t)
                _ = try await leader.enqueue([WorkContractTests.work("b")])
                let worker = WorkWorker(catalog: t.catalog, host: "h", lease: .seconds(3))
                let catalog = t.catalog
                let outcomes = try await worker.runClaimed(capacity: .unbounded, limit: 5) { work in
                    // Works until the lease was renewed twice (the expiry moved on twice): longer than one lease.
                    var expiry = try #require(work.leaseExpiresAt)
                    for renewal in 1...2 {
                        let previous = expiry
                        try await Self.wait(for: "renewal \(renewal)") {
                            (try await catalog.work().first?.leaseExpiresAt ?? .distantPast) > previous
                        }
                        expiry = try #require(try await catalog.work().first?.leaseExpiresAt)
                    }
                    return WorkCompletion(.done("ran past its first lease"), statuses: [Self.status("r9")])
                }
                guard case .finished(let record)? = outcomes.first, outcomes.count == 1 else {
                    Issue.record("not finished: \(outcomes)")
                    return
                }
                #expect(record.state == .done && record.attempt == 1 && record.result == "ran past its first lease")
                #expect(try await t.catalog.state().builds["b"]?.status.observedRevision == "r9")
            }
        }

        @Test(
            "a cancel the leader asks for stops the run at the next renewal, and what the stopped run returns is finished",
            arguments: Backend.allCases)
        func cancelRequested(_ backend: Backend) async throws {
            try await TestCatalog.with(backend) { t in
                _ = try await t.catalog.saveBuild(Records.build("b"))
                let (leader, _) = try await WorkContractTests.leaderView(t)
                _ = try await leader.enqueue([WorkContractTests.work("b")])
                let worker = WorkWorker(catalog: t.catalog, host: "h", lease: .seconds(3))
                let running = Task {
                    try await worker.runClaimed(capacity: .unbounded, limit: 1) { _ in
                        do {
                            try await Task.sleep(for: .seconds(3600))
                            return WorkCompletion(.done("never cancelled"))
                        } catch {
                            return WorkCompletion(.failed("cancelled"), statuses: [Self.status("stopped")])
                        }
                    }
                }
                defer { running.cancel() }
                let catalog = t.catalog
                try await Self.wait(for: "the worker's claim") { try await catalog.work().first?.state == .claimed }
                let asked = try await leader.requestCancel(
                    workKey: WorkContractTests.work("b").workKey, execution: nil)
                #expect(asked?.cancelRequested == true)
                let outcomes = try await Self.value(of: running, "the cancelled run to end")
                guard case .finished(let record)? = outcomes.first, outcomes.count == 1 else {
                    Issue.record("not finished: \(outcomes)")
                    return
                }
                #expect(record.state == .failed && record.result == "cancelled" && record.holder == "h")
                #expect(try await t.catalog.state().builds["b"]?.status.observedRevision == "stopped")
            }
        }

        @Test(
            "a run whose claim another host took is cancelled at the next renewal, and nothing of it lands",
            arguments: Backend.allCases)
        func lostClaimCancelsTheRun(_ backend: Backend) async throws {
            try await TestCatalog.with(backend) { t in
                _ = try await t.catalog.saveBuild(Records.build("b"))
                let (leader, _) = try await WorkContractTests.leaderView(t)
                let id = try #require(try await leader.enqueue([WorkContractTests.work("b")]).first?.id)
                let worker = WorkWorker(catalog: t.catalog, host: "paused", lease: .seconds(3))
                let running = Task {
                    try await worker.runClaimed(capacity: .unbounded, limit: 1) { _ in
                        // Works until cancelled.
                        try await Task.sleep(for: .seconds(3600))
                        return WorkCompletion(.done("must not land"), statuses: [Self.status("late")])
                    }
                }
                defer { running.cancel() }
                let catalog = t.catalog
                try await Self.wait(for: "the worker's claim") { try await catalog.work().first?.state == .claimed }
                // The worker may renew between the expiry and the theft (a loaded machine): expire again until taken.
                var stolen: [WorkRecord] = []
                let end = ContinuousClock.now + .seconds(120)
                while stolen.isEmpty, ContinuousClock.now < end {
                    try await WorkContractTests.expireLease(t, id: id)
                    stolen = try await t.catalog.claimWork(
                        host: "thief", labels: [], capacity: .unbounded, limit: 1, lease: .seconds(600))
                }
                #expect(stolen.first?.attempt == 2)
                // The run ends at the worker's next renewal; past the deadline it is cancelled and the test fails.
                let outcomes = try await withThrowingTaskGroup(of: [WorkWorker.Outcome]?.self) { group in
                    group.addTask { try await running.value }
                    group.addTask {
                        try await Task.sleep(for: .seconds(120))
                        running.cancel()
                        return nil
                    }
                    let first = try await group.next() ?? nil
                    group.cancelAll()
                    guard let first else { throw TimedOut(what: "the run to end") }
                    return first
                }
                guard case .lost(let error)? = outcomes.first, outcomes.count == 1 else {
                    Issue.record("not lost: \(outcomes)")
                    return
                }
                #expect(error.current?.holder == "thief")
                let row = try #require(try await t.catalog.work().first)
                #expect(row.state == .claimed && row.holder == "thief" && row.result == nil)
                #expect(try await t.catalog.state().builds["b"]?.status.observedRevision != "late")
            }
        }
    }
}
