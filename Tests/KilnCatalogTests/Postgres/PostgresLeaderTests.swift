import Foundation
import KilnCatalog
import KilnTestSupport
import Logging
import Testing

/// Leadership on PostgreSQL, inside one process: the advisory lock elects exactly one, a leader whose session dies
/// steps down at once and another takes over, and fencing refuses the writes of a leader whose epoch is stale.
extension CatalogBackends {
    @Suite("PostgreSQL leader election and fencing")
    struct PostgresLeaderTests {
        /// Waits for `condition`, checking every 50 ms, with a deadline that only catches a real hang.
        static func wait(
            for what: String, deadline: Duration = .seconds(300), _ condition: () async throws -> Bool
        ) async throws {
            let end = ContinuousClock.now + deadline
            while ContinuousClock.now < end {
                if try await condition() { return }
                try await Task.sleep(for: .milliseconds(50))
            }
            Issue.record("timed out waiting for \(what)")
            throw CancellationError()
        }

        static func leading(_ hosts: [Leadership]) -> [String] {
            hosts.filter { $0.leadingEpoch != nil }.map(\.host)
        }

        @Test(
            "three hosts campaign: one leads; when its session is cut it steps down at once and the lead passes on with a higher epoch"
        )
        func electionAndTakeover() async throws {
            let t = try await TestCatalog.make(.postgres)
            let catalog = try #require(t.catalog as? PostgresCatalog)
            // A 10 s lease: the server ends a session idle for two thirds of it, and a host merely descheduled on a
            // loaded machine (load 17 on 2 cores, seen in CI) must not lose its session for that alone. A cut session
            // is still noticed at the next tick (a third of the lease).
            let hosts = ["a", "b", "c"].map { Leadership(host: $0, lease: .seconds(10)) }
            var tasks: [Task<Void, Never>] = []
            for leadership in hosts {
                // Each host its own catalog client, as separate processes would have.
                let own = try #require(try await t.reopen() as? PostgresCatalog)
                tasks.append(Task { await own.election(logger: Logger(label: "test")).run(leadership) })
            }
            defer { for task in tasks { task.cancel() } }
            // One leader that the other two follow, whichever it is by then: under load a session may end on its own
            // (an idle timeout while the test process is starved) and the lead change hands before all three agree.
            var agreed: (leader: Leadership, epoch: Int64)?
            try await Self.wait(for: "one host to lead and the others to follow it") {
                let leaders = hosts.filter { $0.leadingEpoch != nil }
                guard leaders.count == 1, let leader = leaders.first, let record = leader.leader,
                    case .leader = leader.role,
                    hosts.filter({ $0 !== leader }).allSatisfy({ $0.role == .follower(record) })
                else { return false }
                agreed = (leader, record.epoch)
                return true
            }
            let (first, firstEpoch) = try #require(agreed)
            // The leader row names it (or, if load already passed the lead on, a leader with a higher epoch).
            let row = try #require(try await catalog.leader())
            #expect(row.host == first.host || row.epoch > firstEpoch, "\(row)")
            // Its session as the cut finds it (nil if load already ended it: the server ends a session idle for two
            // thirds of a lease, and a starved test process may not tick in time).
            let cut = first.sessionSince

            // The leader's session ends (as when its process dies): it steps down and the lead passes on. Only in
            // this test's database: the cluster is shared, and other suites' hosts have the same names. On a quiet
            // machine another host takes over within a tick; under heavy load sessions also end on their own (idle
            // timeouts, slow answers) and the lead may change hands again, even back to the cut host, so what holds
            // is a single leader with a higher epoch, and a new session for the cut host.
            let cluster = try #require(t.postgres).cluster
            try await cluster.sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'kiln leader election: \(first.host)' AND datname = current_database()",
                database: t.postgres!.name)
            try await Self.wait(for: "the cut host to have a new session") {
                guard let current = first.sessionSince else { return false }
                return cut.map { current > $0 } ?? true
            }
            try await Self.wait(for: "one leader with an epoch above \(firstEpoch)") {
                Self.leading(hosts).count == 1 && hosts.contains { ($0.leadingEpoch ?? 0) > firstEpoch }
            }
            #expect(try await catalog.leader().map { $0.epoch > firstEpoch } == true)
            for task in tasks { task.cancel() }
            for task in tasks { await task.value }
            await t.remove()
        }

        @Test("a fenced write carries its epoch: refused once another host took over, nothing of it applied")
        func fencing() async throws {
            try await TestCatalog.with(.postgres) { t in
                let old = Leadership(host: "old", lease: .seconds(15))
                old.update(.leader(try await t.catalog.takeLead(host: "old")))
                let fenced = t.catalog.fenced(by: old)
                var sync = try await fenced.sync()
                sync.lastRunResult = "by old, epoch 1"
                try await fenced.saveSync(sync)
                #expect(try await t.catalog.sync().lastRunResult == "by old, epoch 1")

                let new = try await t.reopen().takeLead(host: "new")
                #expect(new.epoch == 2)
                sync.lastRunResult = "by old, after the takeover"
                await #expect {
                    try await fenced.saveSync(sync)
                } throws: { error in
                    let text = "\(error)"
                    return error is FencedWriteError && text.contains("leader epoch 1")
                        && text.contains("host new leads with epoch 2")
                }
                await #expect(throws: FencedWriteError.self) { _ = try await fenced.saveBuild(Records.build("late")) }
                #expect(try await t.catalog.sync().lastRunResult == "by old, epoch 1")
                #expect(try await t.catalog.state().builds.isEmpty)
                // Unfenced readers and writers (heartbeats, other hosts) are not affected.
                _ = try await t.catalog.saveBuild(Records.build("fine"))
                #expect(try await t.catalog.state().builds.keys.sorted() == ["fine"])
            }
        }

        @Test(
            "a pass begun under one epoch has its later writes refused, though its host leads again with a later one")
        func passPinnedToItsEpoch() async throws {
            try await TestCatalog.with(.postgres) { t in
                let host = Leadership(host: "a", lease: .seconds(15))
                host.update(.leader(try await t.catalog.takeLead(host: "a")))
                let fenced = t.catalog.fenced(by: host)
                try await Leadership.$passEpoch.withValue(1) {
                    _ = try await fenced.saveBuild(Records.build("planned-under-1"))
                    // Paused mid-pass: b takes over, then a leads again, all before this pass goes on.
                    _ = try await t.reopen().takeLead(host: "b")
                    host.update(.leader(try await t.catalog.takeLead(host: "a")))
                    #expect(host.leadingEpoch == 3)
                    await #expect {
                        _ = try await fenced.saveBuild(Records.build("stale"))
                    } throws: { error in
                        "\(error)".contains("leader epoch 1") && "\(error)".contains("host a leads with epoch 3")
                    }
                }
                // The next pass, under the epoch it leads with now, writes.
                try await Leadership.$passEpoch.withValue(3) {
                    _ = try await fenced.saveBuild(Records.build("planned-under-3"))
                }
                #expect(try await t.catalog.state().builds.keys.sorted() == ["planned-under-1", "planned-under-3"])
            }
        }

        @Test("a host that never led carries no epoch: its fenced writes are refused")
        func neverLed() async throws {
            try await TestCatalog.with(.postgres) { t in
                let follower = Leadership(host: "f", lease: .seconds(15))
                await #expect {
                    try await t.catalog.fenced(by: follower).saveSync(SyncRecord())
                } throws: { error in
                    "\(error)".contains("no leader epoch (this host does not lead)")
                }
            }
        }
    }
}
