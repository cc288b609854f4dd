import Foundation
import GRDB
import KilnCatalog
import KilnSpec
import KilnTestSupport
import Testing

/// A catalog in a fresh temp folder, removed by `remove()`.
struct TempCatalog {
    let folder: String
    let catalog: SQLiteCatalog

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-catalog-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        catalog = try SQLiteCatalog(path: "\(folder)/catalog.sqlite")
    }

    func reopen() throws -> SQLiteCatalog { try SQLiteCatalog(path: "\(folder)/catalog.sqlite") }

    func remove() { try? FileManager.default.removeItem(atPath: folder) }
}

/// The catalog implementations: every contract test runs against each.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }
}

/// A fresh, empty catalog of one backend: a SQLite file in a temp folder, or a new database in the test cluster.
struct TestCatalog: Sendable {
    let backend: Backend
    let catalog: any Catalog
    let folder: String?
    let postgres: (cluster: PostgresCluster, url: String, name: String)?

    /// Runs `body` with a fresh catalog, and removes it afterwards, whatever happened.
    static func with(_ backend: Backend, _ body: (TestCatalog) async throws -> Void) async throws {
        let t = try await make(backend)
        do {
            try await body(t)
        } catch {
            await t.remove()
            throw error
        }
        await t.remove()
    }

    static func make(_ backend: Backend) async throws -> TestCatalog {
        switch backend {
        case .sqlite:
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
                "kiln-catalog-\(UUID().uuidString)"
            ).path
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            return TestCatalog(
                backend: backend, catalog: try SQLiteCatalog(path: "\(folder)/catalog.sqlite"), folder: folder,
                postgres: nil)
        case .postgres:
            let database = try await SharedPostgres.shared.newDatabase()
            let catalog = try await CatalogLocation(parsing: database.url).open(
                passwordFile: database.cluster.passwordFile, transactionLimit: generousLimit)
            return TestCatalog(backend: backend, catalog: catalog, folder: nil, postgres: database)
        }
    }

    /// Each PostgreSQL transaction's limit here. The product's 20 s is exceeded by a healthy server when the test
    /// runner's two cooperative threads are shared with hundreds of other tests (CI saw a 400-row claim race stall
    /// past it); the limit only has to catch a real hang.
    static let generousLimit: Duration = .seconds(180)

    /// Another catalog on the same storage (a restart, or a second process).
    func reopen() async throws -> any Catalog {
        switch backend {
        case .sqlite: try SQLiteCatalog(path: "\(folder!)/catalog.sqlite")
        case .postgres:
            try await CatalogLocation(parsing: postgres!.url).open(
                passwordFile: postgres!.cluster.passwordFile, transactionLimit: Self.generousLimit)
        }
    }

    /// SQL run behind the catalog's back (to damage a row, or inspect the schema).
    @discardableResult
    func sql(_ statement: String) async throws -> String {
        switch backend {
        case .sqlite:
            // Text columns only (what the tests ask for); a statement that returns nothing gives "".
            let queue = try DatabaseQueue(path: "\(folder!)/catalog.sqlite")
            return try await queue.write { db in try String.fetchAll(db, sql: statement).joined(separator: "\n") }
        case .postgres:
            return try await postgres!.cluster.sql(statement, database: postgres!.name)
        }
    }

    /// The columns of a table, by name.
    func columns(of table: String) async throws -> Set<String> {
        let text =
            switch backend {
            case .sqlite: try await sql("SELECT name FROM pragma_table_info('\(table)')")
            case .postgres:
                try await sql("SELECT column_name FROM information_schema.columns WHERE table_name = '\(table)'")
            }
        return Set(text.split(separator: "\n").map(String.init))
    }

    func remove() async {
        await (catalog as? PostgresCatalog)?.close()
        if let folder { try? FileManager.default.removeItem(atPath: folder) }
    }
}

/// The suites that need the test PostgreSQL cluster: it starts on first use and stops (by its pid) when they end.
struct PostgresClusterTrait: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await SharedPostgres.shared.withScope(function)
    }
}

extension Trait where Self == PostgresClusterTrait {
    static var postgresCluster: Self { Self() }
}

/// Every suite that talks to PostgreSQL sits inside this one, so the cluster starts once for all of them.
@Suite(.postgresCluster)
enum CatalogBackends {}

enum Records {
    static let date = Date(timeIntervalSince1970: 1_700_000_000)

    static func build(_ name: String, spec: SpecValue = .object(["type": .string("qemu")])) -> BuildRecord {
        BuildRecord(
            name: name, spec: spec, specHash: "s", contentHash: "c", inputsHash: "i", runToken: "1",
            revision: "r", file: "f.yaml", line: 3, createdAt: date, updatedAt: date)
    }

    static func execution(_ build: String, _ number: Int) -> ExecutionRecord {
        ExecutionRecord(
            buildName: build, buildNumber: number, createdBy: "Ada", revision: "r", specRoot: "",
            spec: .object([:]), inputsHash: "i", runToken: "1", logPath: "/l/\(number).log", reason: "test",
            createdAt: date)
    }

    static func journal(_ action: String) -> JournalEntry {
        JournalEntry(
            commit: "r", action: action, objectKind: "ImageBuild", objectName: "b", detail: action, startedAt: date)
    }

    static func virtualImage(_ execution: ExecutionRecord, format: String = "qcow2") -> VirtualImageRecord {
        VirtualImageRecord(
            executionId: execution.id!, buildName: execution.buildName, buildNumber: execution.buildNumber,
            name: "\(execution.buildName)-\(execution.buildNumber)", format: format,
            path: "/a/\(execution.buildNumber).\(format)",
            size: 4096, sha256: "ab", boot: .uefi, createdAt: date)
    }
}
