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
            guard !path.isEmpty else {
                throw CatalogLocationError(text: text, problem: "sqlite: needs a path (sqlite:.kiln/catalog.sqlite)")
            }
            self = .sqlite(path: path)
        } else if text.contains("://") {
            throw CatalogLocationError(
                text: Self.redacted(text), problem: "Kiln knows sqlite:PATH and postgres://USER@HOST:PORT/DB catalogs")
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

    /// A URL-like text with its secrets hidden: what may be shown of a mistyped URL. The password between the user's
    /// `:` and the `@` before the host (the last `@`, since a password typed unescaped may hold `@` or `/`), and the
    /// value of a `password=` query parameter, become `************`.
    static func redacted(_ text: String) -> String {
        var shown = text
        if let scheme = shown.range(of: "://") {
            let rest = shown[scheme.upperBound...]
            // A `:` before the first `@` starts a password; one after it is the port's.
            if let colon = rest.firstIndex(of: ":"), let firstAt = rest.firstIndex(of: "@"), colon < firstAt,
                let lastAt = rest.lastIndex(of: "@")
            {
                shown.replaceSubrange(shown.index(after: colon)..<lastAt, with: "************")
            }
        }
        // password=…, up to the next parameter (or the end), wherever it stands in the query.
        var searchFrom = shown.startIndex
        while let key = shown.range(of: "password=", options: .caseInsensitive, range: searchFrom..<shown.endIndex) {
            let valueEnd = shown[key.upperBound...].firstIndex { $0 == "&" || $0 == "#" } ?? shown.endIndex
            shown.replaceSubrange(key.upperBound..<valueEnd, with: "************")
            searchFrom = shown.index(key.upperBound, offsetBy: "************".count)
        }
        return shown
    }
}

/// A `--catalog` (or migrate `--from`/`--to`) that cannot be used, and why. Never holds a password.
public struct CatalogLocationError: Error, CustomStringConvertible, Sendable {
    public var text: String
    public var problem: String
    public var description: String { "catalog \(text): \(problem)" }
}
