import Foundation
import Logging

extension CatalogLocation {
    /// Opens the catalog here: SQLite creates its file if needed; PostgreSQL connects with the password from
    /// `passwordFile` or a libpq password file, and migrates its schema. The one way Kiln's commands open a catalog.
    /// `transactionLimit` bounds each PostgreSQL transaction (``PostgresCatalog/defaultTransactionLimit``).
    public func open(
        passwordFile: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger = Logger(label: "kiln.catalog"),
        transactionLimit: Duration = PostgresCatalog.defaultTransactionLimit
    ) async throws -> any Catalog {
        switch self {
        case .sqlite(let path):
            return try SQLiteCatalog(path: path)
        case .postgres(let location):
            let password = try PostgresPassword.resolve(
                for: location, passwordFile: passwordFile, environment: environment)
            return try await PostgresCatalog.open(
                location, password: password, logger: logger, transactionLimit: transactionLimit)
        }
    }
}
