import ArgumentParser
import Foundation
import KilnCatalog
import KilnReconciler
import Logging

/// `--catalog` and `--catalog-password-file`, for every command that reads or writes the catalog.
struct CatalogOptions: ParsableArguments {
    @Option(
        name: .customLong("catalog"),
        help:
            "The catalog: postgres://USER@HOST:PORT/DB?sslmode=disable|prefer|require|verify-full[&sslrootcert=CA.pem] for a catalog several hosts share (default: SQLite in the data dir). Never a password in it."
    )
    var catalog: String?

    @Option(
        name: .customLong("catalog-password-file"),
        help:
            "A file holding the PostgreSQL password (default: the PGPASSFILE or ~/.pgpass entry that matches --catalog)."
    )
    var catalogPasswordFile: String?

    func validate() throws {
        _ = try location(DataPaths(root: "."))
        if catalogPasswordFile != nil, catalog == nil {
            throw ValidationError(
                "--catalog-password-file goes with --catalog postgres://… (the SQLite catalog has no password)")
        }
    }

    /// Where the catalog is: `--catalog`, or the SQLite file in the data dir.
    func location(_ paths: DataPaths) throws -> CatalogLocation {
        guard let catalog else { return .sqlite(path: paths.catalog) }
        do {
            return try CatalogLocation(parsing: catalog)
        } catch {
            throw ValidationError("--catalog: \(error)")
        }
    }

    /// Whether the catalog is the data dir's own SQLite file.
    var isDataDirCatalog: Bool { catalog == nil }

    /// Opens the catalog (the one place a command does).
    func open(_ paths: DataPaths, logger: Logger = Logger(label: "kiln.catalog")) async throws -> any Catalog {
        try await location(paths).open(passwordFile: catalogPasswordFile, logger: logger)
    }

    /// The same options for a build worker (`kiln internal-execute`), which writes to the same catalog.
    var workerArguments: [String] {
        guard let catalog else { return [] }
        let file = catalogPasswordFile.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        return ["--catalog", catalog] + (file.map { ["--catalog-password-file", $0] } ?? [])
    }
}
