import Foundation

/// Where a catalog lives: the embedded SQLite file of one host, or a PostgreSQL database a fleet shares. Parsed from
/// `--catalog`, `kiln catalog migrate --from/--to` (`sqlite:PATH`, `postgres://USER@HOST:PORT/DB?sslmode=…`).
public enum CatalogLocation: Sendable, Hashable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresLocation)

    /// Reads `sqlite:PATH` (or a plain path) and `postgres://`/`postgresql://` URLs.
    public init(parsing text: String) throws(CatalogLocationError) {
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(try PostgresLocation(url: text))
        } else if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw CatalogLocationError(text: text, problem: "sqlite: needs a path (sqlite:.kiln/catalog.sqlite)") }
            self = .sqlite(path: path)
        } else if text.contains("://") {
            throw CatalogLocationError(text: Self.redacted(text), problem: "Kiln knows sqlite:PATH and postgres://USER@HOST:PORT/DB catalogs")
        } else {
            self = .sqlite(path: text)
        }
    }

    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let location): location.description
        }
    }

    /// A URL-like text with anything between `//` and `@` cut to the user name: what may be shown of a mistyped URL.
    static func redacted(_ text: String) -> String {
        guard let scheme = text.range(of: "://"), let at = text[scheme.upperBound...].firstIndex(of: "@") else { return text }
        let userInfo = text[scheme.upperBound..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":************" + String(text[at...])
    }
}

/// A `--catalog` (or migrate `--from`/`--to`) that cannot be used, and why. Never holds a password.
public struct CatalogLocationError: Error, CustomStringConvertible, Sendable {
    public var text: String
    public var problem: String
    public var description: String { "catalog \(text): \(problem)" }
}
