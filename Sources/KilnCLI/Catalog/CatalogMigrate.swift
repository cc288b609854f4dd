import ArgumentParser
import Foundation
import KilnCatalog
import KilnReconciler
import Logging

/// `kiln catalog migrate --from sqlite:PATH --to postgres://…`: copies a single host's catalog into an empty PostgreSQL
/// database, then reads the copy back and checks every table's row count and every build's numbers.
struct CatalogMigrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy a SQLite catalog into an empty PostgreSQL database, and check the copy.",
        discussion: """
            The source's data dir must not be in use (stop kiln serve first). The target database must exist and be \
            empty; Kiln creates its schema. Afterwards, start every host with --catalog and the same URL.
            """)

    @Option(help: "The catalog to copy: sqlite:PATH (e.g. sqlite:.kiln/catalog.sqlite).")
    var from: String

    @Option(help: "The PostgreSQL catalog to fill: postgres://USER@HOST:PORT/DB?sslmode=….")
    var to: String

    @Option(
        name: .customLong("catalog-password-file"),
        help: "A file holding the PostgreSQL password (default: PGPASSFILE or ~/.pgpass).")
    var catalogPasswordFile: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .warning

    func locations() throws -> (source: String, target: CatalogLocation) {
        let source: String
        switch try parse(from, "--from") {
        case .sqlite(let path): source = path
        case .postgres:
            throw ValidationError(
                "--from is the SQLite catalog to copy (sqlite:PATH); copying between PostgreSQL databases is pg_dump's job"
            )
        }
        let target = try parse(to, "--to")
        guard case .postgres = target else {
            throw ValidationError("--to is a PostgreSQL catalog: postgres://USER@HOST:PORT/DB")
        }
        return (source, target)
    }

    func parse(_ text: String, _ option: String) throws -> CatalogLocation {
        do { return try CatalogLocation(parsing: text) } catch { throw ValidationError("\(option): \(error)") }
    }

    func validate() throws {
        let (source, _) = try locations()
        guard FileManager.default.fileExists(atPath: source) else {
            throw ValidationError("--from: no catalog at \(source)")
        }
    }

    func run() async throws {
        Logs.bootstrap(logLevel)
        let (source, target) = try locations()
        // The data dir's lock: no Kiln may write the source while it is copied.
        let folder = (source as NSString).deletingLastPathComponent
        let paths = DataPaths(root: folder.isEmpty ? "." : folder)
        let lock: DataDirLock? =
            paths.catalog == source || (source as NSString).lastPathComponent == "catalog.sqlite"
            ? try DataDirLock(paths: paths) : nil
        let original = try await SQLiteCatalog(path: source).export()
        let catalog = try await target.open(passwordFile: catalogPasswordFile, logger: Logger(label: "kiln.catalog"))
        guard let postgres = catalog as? PostgresCatalog else {
            throw ValidationError("--to is not a PostgreSQL catalog")
        }
        try await postgres.importCatalog(original)
        let copy = try await postgres.export()
        await postgres.close()
        withExtendedLifetime(lock) {}
        let differences = CatalogExport.differences(original, copy)
        guard differences.isEmpty else {
            throw MigrateFailure(target: target.description, differences: differences)
        }
        let counts = copy.counts
        Output.out("copied sqlite:\(source) to \(target)")
        Output.out(
            "rows: " + counts.keys.sorted().map { "\($0) \(counts[$0]!)" }.joined(separator: ", ")
                + " (the same in both)")
        for (build, numbers) in copy.buildNumbers.sorted(by: { $0.key < $1.key }) {
            Output.out("ImageBuild \(build): \(numbers) (the same in both)")
        }
        Output.out("now start Kiln with --catalog \(target)")
    }

    struct MigrateFailure: Error, CustomStringConvertible {
        var target: String
        var differences: [String]
        var description: String {
            "the copy in \(target) differs from the source:\n" + differences.map { "  \($0)" }.joined(separator: "\n")
                + "\ndrop and recreate the target database before trying again; the source is untouched"
        }
    }
}
