import ArgumentParser
import Foundation
import KilnCatalog
import KilnTestSupport
import Logging

/// `kiln-bench reconcile-postgres`: issue 13's catalog figure. The same objects as `kiln-bench reconcile`, reconciled
/// in one run by one replica on the embedded SQLite catalog and by one on PostgreSQL 15 (a throwaway cluster on
/// loopback, as `kiln-bench claim` starts). The PostgreSQL replica runs as `kiln serve` does on PostgreSQL: it leads a
/// fleet (of itself), writing through its fenced view of the catalog, and its own host pass makes and watches the
/// VMs placed on it. The PostgreSQL first pass is held to 2× SQLite's of the same run, the leader's no-op pass to 5 ms;
/// the host pass's drift check of its VMs, which a single host's no-op pass includes, is its own figure.
struct ReconcilePostgresBenchmark: FigureBenchmark {
    static let configuration = CommandConfiguration(
        commandName: "reconcile-postgres",
        abstract:
            "Time a first reconcile and a no-op pass over N objects on PostgreSQL, against the same on SQLite in the same run."
    )

    @Option(help: "Objects in all: a third builds, a third images built from them, a third VMs on those images.")
    var objects: Int = 10_000

    @Option(help: "Runs of the no-op pass on each catalog.")
    var runs: Int = 7

    static let quickArguments = ["--objects", "999", "--runs", "3"]

    func validate() throws {
        guard objects >= 3, runs > 0 else {
            throw ValidationError("--objects must be at least 3 and --runs at least 1")
        }
    }

    func run() async throws {
        FigureFormat.print(try await figures())
    }

    func figures() async throws -> [Figure] {
        let sqlite = try await ReconcileFixture(objects: objects, name: "reconcile-sqlite")
        defer { sqlite.remove() }
        let onSQLite = await sqlite.measurePasses(runs: runs, fullResync: false)
        let cluster = try await PostgresCluster.start()
        do {
            let onPostgres = try await postgresPasses(cluster)
            await cluster.stop()
            return figures(postgres: onPostgres, sqlite: onSQLite)
        } catch {
            await cluster.stop()
            throw error
        }
    }

    /// The passes of one replica leading on a fresh database of `cluster`.
    func postgresPasses(_ cluster: PostgresCluster) async throws -> ReconcileFixture.Passes {
        var logger = Logger(label: "kiln-bench.reconcile-postgres")
        logger.logLevel = .error
        try await cluster.createDatabase("kiln")
        let location = try PostgresLocation(url: cluster.url(database: "kiln"))
        let catalog = try await PostgresCatalog.open(location, password: cluster.password, logger: logger)
        do {
            // Its writes carry this epoch, checked by the catalog as a leader's are; the lease is not renewed here
            // (no election runs), and passes called directly do not look at it.
            let leadership = Leadership(host: "bench", lease: .seconds(3600))
            leadership.update(.leader(try await catalog.takeLead(host: "bench")))
            let fixture = try await ReconcileFixture(
                objects: objects, name: "reconcile-postgres", fleet: .init(name: "bench", catalog: catalog)
            ) { _ in catalog.fenced(by: leadership) }
            defer { fixture.remove() }
            let passes = await fixture.measurePasses(runs: runs, fullResync: false)
            await catalog.close()
            return passes
        } catch {
            await catalog.close()
            throw error
        }
    }

    func figures(postgres: ReconcileFixture.Passes, sqlite: ReconcileFixture.Passes) -> [Figure] {
        let where_ = "PostgreSQL 15 on loopback, one replica leading a fleet of itself (fenced writes)"
        let vms = objects / 3
        let settled =
            "settled on PostgreSQL: \(postgres.ready)/\(postgres.total) ready (SQLite: \(sqlite.ready)/\(sqlite.total))"
        return [
            Figure(
                "reconcile-postgres", "first pass over \(objects) objects on PostgreSQL, status files included",
                unit: .milliseconds, kiln: postgres.first.milliseconds, runs: postgres.first.runs,
                reference: .init(
                    name: "the same first pass on SQLite in the same run", value: sqlite.first.milliseconds,
                    runs: sqlite.first.runs),
                target: .ratioAtMost(2),
                note:
                    "\(where_): the leader places and records the VMs, and its host pass makes them after the pass; \(postgres.report.outcomes.count) actions (SQLite: \(sqlite.report.outcomes.count)); \(settled)"
            ),
            Figure(
                "reconcile-postgres", "no-op pass over \(objects) objects on PostgreSQL", unit: .milliseconds,
                kiln: postgres.noop.milliseconds, runs: postgres.noop.runs,
                reference: .init(
                    name: "the same no-op pass on SQLite in the same run", value: sqlite.noop.milliseconds,
                    runs: sqlite.noop.runs),
                target: .atMost(5),
                note:
                    "\(where_); the leader's quiet pass: the source's head, the catalog's change counters and its hosts (each host watches its own VMs: next figure)"
            ),
            Figure(
                "reconcile-postgres", "host pass over the \(vms) VMs placed on it, no-op (drift check included)",
                unit: .milliseconds, kiln: postgres.hostNoop.milliseconds, runs: postgres.hostNoop.runs,
                reference: .init(
                    name: "the no-op pass on SQLite in the same run, which checks the same VMs for drift",
                    value: sqlite.noop.milliseconds, runs: sqlite.noop.runs),
                note: "\(where_); runs after each no-op pass of the leader, as every replica does every lease/3")
        ]
    }
}
