import ArgumentParser
import Foundation
import KilnCatalog
import KilnSpec
import KilnTestSupport
import Logging

/// `kiln-bench claim`: the fleet's work queue (issue 13). A throwaway PostgreSQL 15 cluster; the leader enqueues
/// `--rows` work rows; three hosts, each with its own catalog client, claim them (`FOR UPDATE SKIP LOCKED`) and finish
/// each under its claim, as fast as they can. The figure is rows claimed and finished per second, wall clock; every
/// run checks that each row was finished exactly once, on its first claim. The reference, in the same run on the same
/// schema: pgbench with three clients running the same claim and finish SQL, no Kiln.
struct ClaimBenchmark: FigureBenchmark {
    static let configuration = CommandConfiguration(
        commandName: "claim",
        abstract:
            "Claim throughput on PostgreSQL: work rows claimed and finished by three hosts, against pgbench running the same SQL."
    )

    @Option(help: "Work rows per run.")
    var rows: Int = 1_000

    @Option(help: "Hosts claiming at once (each its own catalog client and task).")
    var hosts: Int = 3

    @Option(help: "Rows a host claims per claim statement.")
    var batch: Int = 1

    @Option(help: "Runs of each side; the median is reported.")
    var runs: Int = 5

    static let quickArguments = ["--rows", "300", "--runs", "1"]

    func run() async throws {
        FigureFormat.print(try await figures())
    }

    func validate() throws {
        guard rows > 0, hosts > 0, batch > 0, runs > 0 else {
            throw ValidationError("--rows, --hosts, --batch and --runs must be at least 1")
        }
    }

    func figures() async throws -> [Figure] {
        let cluster = try await PostgresCluster.start()
        do {
            let figures = try await measure(cluster)
            await cluster.stop()
            return figures
        } catch {
            await cluster.stop()
            throw error
        }
    }

    func measure(_ cluster: PostgresCluster) async throws -> [Figure] {
        var logger = Logger(label: "kiln-bench.claim")
        logger.logLevel = .error
        var kiln: [Double] = []
        var pgbench: [Double] = []
        for run in 0..<runs {
            kiln.append(try await kilnRun(cluster, database: "kiln_\(run)", logger: logger))
            pgbench.append(try await pgbenchRun(cluster, database: "pgbench_\(run)", logger: logger))
            print(
                "run \(run + 1)/\(runs): kiln \(FigureFormat.number(kiln.last!)) claims/s, pgbench \(FigureFormat.number(pgbench.last!)) claims/s"
            )
        }
        let perClaim = batch == 1 ? "one row per claim" : "\(batch) rows per claim"
        return [
            Figure(
                "claim", "\(rows) work rows claimed and finished by \(hosts) hosts", unit: .claimsPerSecond,
                kiln: kiln.median,
                runs: runs,
                reference: .init(
                    name: "pgbench, \(hosts) clients, the same claim and finish statements"
                        + (batch == 1 ? "" : " (claiming one row per statement)"), value: pgbench.median, runs: runs),
                target: .atLeast(500),
                note:
                    "PostgreSQL 15 on loopback; \(perClaim), each finished in its own transaction; every run checked: each row finished once, on its first claim"
            )
        ]
    }

    /// Claims per second of one run of Kiln's catalog, after checking that no row was finished twice.
    func kilnRun(_ cluster: PostgresCluster, database: String, logger: Logger) async throws -> Double {
        try await cluster.createDatabase(database)
        let location = try PostgresLocation(url: cluster.url(database: database))
        let leaderCatalog = try await PostgresCatalog.open(location, password: cluster.password, logger: logger)
        var clients: [PostgresCatalog] = []
        do {
            let leadership = Leadership(host: "leader", lease: .seconds(60))
            leadership.update(.leader(try await leaderCatalog.takeLead(host: "leader")))
            _ = try await leaderCatalog.fenced(by: leadership).enqueue(
                (0..<rows).map {
                    WorkRecord(
                        kind: .runExecution, object: ObjectKey(.imageBuild, "b\($0)"), cpus: 1, memoryBytes: 1 << 20)
                })
            for _ in 0..<hosts {
                let client = try await PostgresCatalog.open(location, password: cluster.password, logger: logger)
                clients.append(client)
                // Its pool's first connection, made before the clock starts (pgbench's figure leaves connecting out too).
                _ = try await client.leader()
            }
            let start = ContinuousClock.now
            let finished = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for (index, client) in clients.enumerated() {
                    let host = "host-\(index + 1)"
                    group.addTask { [rows, batch] in
                        var mine: [Int64] = []
                        // Bounded: each round finishes at least one row until none is left.
                        for _ in 0..<rows {
                            let claimed = try await client.claimWork(
                                host: host, labels: [], capacity: .unbounded, limit: batch,
                                lease: .seconds(60))
                            if claimed.isEmpty { break }
                            for work in claimed {
                                guard let claim = work.claim else {
                                    throw BenchFailure("claimed work \(work.id ?? 0) holds no claim")
                                }
                                _ = try await client.finishWork(claim, WorkCompletion(.done("by \(host)")))
                                mine.append(claim.workId)
                            }
                        }
                        return mine
                    }
                }
                return try await group.reduce(into: [Int64]()) { $0 += $1 }
            }
            let elapsed = seconds(ContinuousClock.now - start)
            let counts = Dictionary(grouping: finished, by: { $0 }).mapValues(\.count)
            let stored = try await leaderCatalog.work()
            let twice = counts.filter { $0.value != 1 }.count + stored.filter { $0.attempt != 1 }.count
            guard counts.count == rows, twice == 0, stored.allSatisfy({ $0.state == .done }) else {
                throw BenchFailure(
                    "\(counts.count) of \(rows) rows finished, \(twice) finished or claimed more than once")
            }
            for client in clients { await client.close() }
            await leaderCatalog.close()
            return Double(rows) / elapsed
        } catch {
            for client in clients { await client.close() }
            await leaderCatalog.close()
            throw error
        }
    }

    /// Claims per second of pgbench running the statements Kiln sends (the claim, then the finish, each a transaction of
    /// its own), from `hosts` clients, over as many script runs as there are rows.
    func pgbenchRun(_ cluster: PostgresCluster, database: String, logger: Logger) async throws -> Double {
        try await cluster.createDatabase(database)
        let location = try PostgresLocation(url: cluster.url(database: database))
        let catalog = try await PostgresCatalog.open(location, password: cluster.password, logger: logger)
        let leadership = Leadership(host: "leader", lease: .seconds(60))
        leadership.update(.leader(try await catalog.takeLead(host: "leader")))
        _ = try await catalog.fenced(by: leadership).enqueue(
            (0..<rows).map {
                WorkRecord(kind: .runExecution, object: ObjectKey(.imageBuild, "b\($0)"), cpus: 1, memoryBytes: 1 << 20)
            })
        await catalog.close()
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-bench-claim-\(getpid()).sql")
            .path
        defer { try? FileManager.default.removeItem(atPath: script) }
        try """
        WITH candidate AS (SELECT id, cpus, "memoryBytes" FROM work WHERE (state = 'queued' OR (state = 'claimed' AND "leaseExpiresAt" < now())) AND '[]'::jsonb @> labels::jsonb AND cpus <= 9223372036854775807 AND "memoryBytes" <= 9223372036854775807 ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED), fitting AS (SELECT id FROM (SELECT id, sum(cpus) OVER running AS "cpuTotal", sum("memoryBytes") OVER running AS "memoryTotal" FROM candidate WINDOW running AS (ORDER BY id)) totals WHERE "cpuTotal" <= 9223372036854775807 AND "memoryTotal" <= 9223372036854775807) UPDATE work SET state = 'claimed', holder = 'pgbench', attempt = work.attempt + 1, "leaseExpiresAt" = now() + make_interval(secs => 60), "claimedAt" = now() FROM fitting WHERE work.id = fitting.id RETURNING work.id AS claimed, work.attempt AS attempt \\gset
        UPDATE work SET state = 'done', result = 'by pgbench', "finishedAt" = now(), "leaseExpiresAt" = NULL WHERE id = :claimed AND state = 'claimed' AND holder = 'pgbench' AND attempt = :attempt RETURNING *;

        """.write(toFile: script, atomically: true, encoding: .utf8)
        let perClient = rows / hosts
        let result = try await ChildProcess.run(
            "\(PostgresCluster.binaries)/pgbench",
            [
                "-n", "-h", "127.0.0.1", "-p", String(cluster.port), "-U", cluster.user, "-c", String(hosts), "-j",
                String(hosts),
                "-t", String(perClient), "-f", script, database
            ],
            environment: ["PGPASSWORD": cluster.password], timeout: .seconds(600))
        guard result.exitCode == 0, !result.signalled,
            let line = result.stdout.split(separator: "\n").first(where: { $0.hasPrefix("tps = ") }),
            let tps = Double(line.dropFirst("tps = ".count).prefix { $0.isNumber || $0 == "." })
        else {
            throw BenchFailure("pgbench failed: \(result)")
        }
        let done = try await cluster.sql(
            "SELECT count(*) FROM work WHERE state = 'done' AND attempt = 1", database: database)
        guard Int(done) == perClient * hosts else {
            throw BenchFailure("pgbench finished \(done) rows, not \(perClient * hosts)")
        }
        return tps
    }
}

/// A benchmark run that did not do what it measures.
struct BenchFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
