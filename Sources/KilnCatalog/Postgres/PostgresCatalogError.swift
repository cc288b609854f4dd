import Foundation
import PostgresNIO

/// Why a PostgreSQL catalog could not be used, saying what to do next. Never holds a password.
public enum PostgresCatalogError: Error, CustomStringConvertible, Sendable {
    case unreachable(location: String, address: String, detail: String)
    case authentication(location: String, user: String, detail: String)
    case passwordNeeded(location: String, user: String)
    case noDatabase(location: String, database: String)
    case tls(location: String, detail: String)
    case newerSchema(location: String, version: Int, name: String, known: Int)
    case foreignSchema(location: String, version: Int, name: String)
    case server(location: String, detail: String)

    public var description: String {
        switch self {
        case .unreachable(let location, let address, let detail):
            "cannot reach the PostgreSQL catalog at \(address) (\(location)): \(detail); is the server running, and are the host and port right?"
        case .authentication(let location, let user, let detail):
            "PostgreSQL refused user \(user) at \(location): \(detail); check the password in --catalog-password-file (or PGPASSFILE) and the server's pg_hba.conf"
        case .passwordNeeded(let location, let user):
            "PostgreSQL asks a password of user \(user) at \(location) and none is configured: give --catalog-password-file FILE, or a PGPASSFILE line for it"
        case .noDatabase(let location, let database):
            "the database \(database) does not exist at \(location): create it (createdb \(database)) or fix the URL"
        case .tls(let location, let detail):
            "TLS with the PostgreSQL catalog at \(location) failed: \(detail); check sslmode and sslrootcert"
        case .newerSchema(let location, let version, let name, let known):
            "the catalog at \(location) has schema version \(version) (\(name)), newer than this Kiln knows (\(known)): a newer Kiln migrated it; upgrade this host's Kiln rather than let an older one write to it"
        case .foreignSchema(let location, let version, let name):
            "the catalog at \(location) has a schema migration this Kiln does not know at version \(version) (\(name)); it was made by another build of Kiln: point --catalog at its own database"
        case .server(let location, let detail):
            "the PostgreSQL catalog at \(location) failed: \(detail)"
        }
    }

    /// A connection failure, in words that say what to do.
    static func connecting(_ error: any Error, to location: PostgresLocation) -> any Error {
        if error is PostgresCatalogError || error is CatalogError { return error }
        guard let psql = error as? PSQLError else {
            return PostgresCatalogError.unreachable(
                location: location.description, address: location.address, detail: "\(error)")
        }
        let shown = location.description
        if let state = psql.serverInfo?[.sqlState] {
            let message = psql.serverInfo?[.message] ?? state
            switch state {
            case "28P01", "28000":
                return PostgresCatalogError.authentication(
                    location: shown, user: location.user, detail: "\(message) (\(state))")
            case "3D000":
                return PostgresCatalogError.noDatabase(location: shown, database: location.database)
            case _ where serverGoingAway.contains(state):
                return PostgresCatalogError.unreachable(
                    location: shown, address: location.address, detail: "\(message) (\(state))")
            default:
                return PostgresCatalogError.server(location: shown, detail: "\(message) (\(state))")
            }
        }
        switch psql.code {
        case .authMechanismRequiresPassword:
            return PostgresCatalogError.passwordNeeded(location: shown, user: location.user)
        case .sslUnsupported:
            return PostgresCatalogError.tls(
                location: shown,
                detail: "the server does not offer TLS, and sslmode=\(location.sslMode.rawValue) requires it")
        case .failedToAddSSLHandler, .receivedUnencryptedDataAfterSSLRequest:
            return PostgresCatalogError.tls(location: shown, detail: psql.underlying.map { "\($0)" } ?? "\(psql.code)")
        default:
            if let underlying = psql.underlying, "\(type(of: underlying))".contains("SSL") {
                return PostgresCatalogError.tls(location: shown, detail: "\(underlying)")
            }
            let detail = psql.underlying.map { "\($0)" } ?? "\(psql.code)"
            return PostgresCatalogError.unreachable(location: shown, address: location.address, detail: plain(detail))
        }
    }

    /// SQLSTATEs of a server that is shutting down, crashed or not yet accepting connections (class 57, operator
    /// intervention): an idle pooled connection sees one of these, not a socket error, when the server stops.
    static let serverGoingAway: Set<String> = ["57P01", "57P02", "57P03"]

    /// A socket failure in a few words: NIO's text (`Connection errors: SingleConnectionFailure(target: …, error:
    /// connection reset (error set): Connection refused) (errno: 111))`) says the cause only at its end.
    static func plain(_ detail: String) -> String {
        let causes = [
            ("Connection refused", "connection refused: nothing listens on that port"),
            ("No route to host", "no route to host"),
            ("Network is unreachable", "the network is unreachable"),
            ("Connection timed out", "the connection timed out"),
            ("connectTimeout", "the connection timed out"),
            ("Name or service not known", "the host name does not resolve")
        ]
        return causes.first { detail.contains($0.0) }?.1 ?? detail
    }

    /// The pool's own errors (its type is internal to postgres-nio, so it is known by name): the circuit breaker means
    /// no connection could be made for a while, i.e. the server is unreachable; the pool keeps trying in the background.
    static func pool(_ error: any Error, at location: PostgresLocation) -> any Error {
        guard String(describing: type(of: error)) == "ConnectionPoolError" else { return error }
        let text = "\(error)"
        if text.contains("CircuitBreaker") {
            return PostgresCatalogError.unreachable(
                location: location.description, address: location.address,
                detail: "no connection could be made for a while (Kiln keeps trying)")
        }
        if text.contains("poolShutdown") {
            return PostgresCatalogError.server(location: location.description, detail: "this catalog was closed")
        }
        return PostgresCatalogError.server(location: location.description, detail: text)
    }

    /// A failure of a statement: the server's message and SQLSTATE, not postgres-nio's generic text.
    static func statement(_ error: any Error, at location: PostgresLocation) -> any Error {
        guard let psql = error as? PSQLError else { return pool(error, at: location) }
        if let message = psql.serverInfo?[.message] {
            let state = psql.serverInfo?[.sqlState] ?? "?"
            if serverGoingAway.contains(state) { return connecting(error, to: location) }
            return PostgresCatalogError.server(location: location.description, detail: "\(message) (\(state))")
        }
        return connecting(error, to: location)
    }
}
