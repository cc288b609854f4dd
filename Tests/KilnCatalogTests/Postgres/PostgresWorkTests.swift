import Foundation
import KilnCatalog
import KilnSpec
import Testing

/// Work on PostgreSQL as a fleet uses it: several hosts (each its own catalog client) claiming with `SKIP LOCKED` at
/// once, and only the current leader enqueueing.
extension CatalogBackends {
    @Suite("PostgreSQL work claiming")
    struct PostgresWorkTests {
        @Test(
            "six tasks on three clients claim and finish 400 rows: each is finished exactly once, on its first claim")
        func concurrentClaims() async throws {
            try await TestCatalog.with(.postgres) { t in
                let (leader, _) = try await WorkContractTests.leaderView(t)
                // Enough rows for every task to race the others many times; the throughput of 1,000 is kiln-bench claim's.
                let total = 400
                let queued = try await leader.enqueue((0..<total).map { WorkContractTests.work("w\($0)") })
                #expect(queued.count == total)
                var clients: [any Catalog] = [t.catalog]
                for _ in 0..<2 { clients.append(try await t.reopen()) }
                let clientList = clients
                let finished = try await withThrowingTaskGroup(of: [(Int64, String)].self) { group in
                    for task in 0..<6 {
                        let host = "h\(task)"
                        let client = clientList[task % clientList.count]
                        group.addTask {
                            var mine: [(Int64, String)] = []
                            // Bounded: each round finishes at least one row until none is left.
                            for _ in 0..<total {
                                let claimed = try await client.claimWork(
                                    host: host, labels: [], capacity: .unbounded, limit: 4,
                                    lease: .seconds(600))
                                if claimed.isEmpty { break }
                                for work in claimed {
                                    let done = try await client.finishWork(
                                        try #require(work.claim), WorkCompletion(.done("by \(host)")))
                                    mine.append((done.id!, host))
                                }
                            }
                            return mine
                        }
                    }
                    return try await group.reduce(into: [(Int64, String)]()) { $0 += $1 }
                }
                let byRow = Dictionary(grouping: finished, by: \.0).mapValues { $0.map(\.1) }
                #expect(byRow.count == total)
                #expect(byRow.values.allSatisfy { $0.count == 1 })
                let stored = try await t.catalog.work()
                #expect(stored.count == total)
                #expect(
                    stored.allSatisfy { $0.state == .done && $0.attempt == 1 && $0.result == "by \($0.holder ?? "")" })
                // Spread: more than one host did some of it.
                #expect(Set(stored.compactMap(\.holder)).count > 1)
                for client in clients.dropFirst() { await (client as? PostgresCatalog)?.close() }
            }
        }

        @Test(
            "only the current leader enqueues: an unfenced catalog and a leader whose epoch is stale are refused, nothing added"
        )
        func enqueueIsFenced() async throws {
            try await TestCatalog.with(.postgres) { t in
                await #expect {
                    _ = try await t.catalog.enqueue([WorkContractTests.work("a")])
                } throws: { error in
                    error is FencedWriteError && "\(error)".contains("no leader epoch")
                }
                let (old, epoch) = try await WorkContractTests.leaderView(t, host: "old")
                #expect(try await old.enqueue([WorkContractTests.work("a")]).first?.epoch == epoch)
                _ = try await t.reopen().takeLead(host: "new")
                await #expect {
                    _ = try await old.enqueue([WorkContractTests.work("b")])
                } throws: { error in
                    error is FencedWriteError && "\(error)".contains("host new leads with epoch \(epoch + 1)")
                }
                #expect(try await t.catalog.work().map(\.objectName) == ["a"])
                // Claims are not the leader's: a host claims and finishes through a fenced view whose epoch is stale.
                let claim = try #require(
                    try await old.claimWork(
                        host: "old", labels: [], capacity: .unbounded, limit: 1,
                        lease: .seconds(60)
                    ).first?.claim)
                #expect(try await old.finishWork(claim, WorkCompletion(.done("ok"))).state == .done)
            }
        }
    }
}
