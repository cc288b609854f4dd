import Foundation

/// A PostgreSQL catalog's address: `postgres://USER@HOST:PORT/DB?sslmode=…&sslrootcert=CA.pem`. It never holds a
/// password: one in the URL is refused (it would show in `ps`, shell history and logs); the password comes from
/// `--catalog-password-file` or a `PGPASSFILE` (see ``PostgresPassword``).
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    /// libpq's `sslmode` values, with libpq's meaning.
    public enum SSLMode: String, Sendable, Hashable, CaseIterable {
        /// Plain TCP.
        case disable
        /// TLS when the server offers it, unverified (libpq's default).
        case prefer
        /// TLS or nothing; the certificate is checked against `sslrootcert` when one is given.
        case require
        /// TLS, the certificate chain checked against `sslrootcert`.
        case verifyCA = "verify-ca"
        /// TLS, the chain and the host name checked.
        case verifyFull = "verify-full"
    }

    public var user: String
    public var host: String
    public var port: Int
    public var database: String
    public var sslMode: SSLMode
    /// The CA bundle (PEM) that `verify-ca`/`verify-full` (and `require`, when given) check the server against.
    public var sslRootCert: String?

    public init(
        user: String, host: String, port: Int = 5432, database: String, sslMode: SSLMode = .prefer,
        sslRootCert: String? = nil
    ) {
        self.user = user
        self.host = host
        self.port = port
        self.database = database
        self.sslMode = sslMode
        self.sslRootCert = sslRootCert
    }

    public init(url: String) throws(CatalogLocationError) {
        let shown = CatalogLocation.redacted(url)
        func fail(_ problem: String) -> CatalogLocationError { CatalogLocationError(text: shown, problem: problem) }
        guard let parts = URLComponents(string: url), let scheme = parts.scheme,
            scheme == "postgres" || scheme == "postgresql"
        else {
            throw fail("not a URL of the form postgres://USER@HOST:PORT/DB?sslmode=disable")
        }
        let inURL =
            "a password in the URL is refused (it would show in ps, shell history and logs): put it in a file given by --catalog-password-file, or in a PGPASSFILE"
        // libpq takes it in the user part and as a `password` parameter: both are refused.
        if parts.password != nil || (parts.queryItems ?? []).contains(where: { $0.name.lowercased() == "password" }) {
            throw fail(inURL)
        }
        guard let user = parts.user, !user.isEmpty else { throw fail("name the user: postgres://USER@HOST:PORT/DB") }
        guard var host = parts.host, !host.isEmpty else { throw fail("name the host: postgres://USER@HOST:PORT/DB") }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let port = parts.port ?? 5432
        guard (1...65535).contains(port) else { throw fail("port \(port) is not a TCP port") }
        let path = parts.path.hasPrefix("/") ? String(parts.path.dropFirst()) : parts.path
        guard !path.contains("/") else { throw fail("the database is one name after the port (/DB), not \(path)") }
        var sslMode = SSLMode.prefer
        var rootCert: String?
        for item in parts.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(SSLMode.init(rawValue:)) else {
                    throw fail(
                        "sslmode=\(item.value ?? "") is not one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                sslMode = mode
            case "sslrootcert":
                guard let value = item.value, !value.isEmpty else {
                    throw fail("sslrootcert needs a file (sslrootcert=/path/ca.pem)")
                }
                rootCert = value
            default:
                throw fail("unknown parameter \(item.name) (Kiln reads sslmode and sslrootcert)")
            }
        }
        if sslMode == .verifyCA || sslMode == .verifyFull, rootCert == nil {
            throw fail(
                "sslmode=\(sslMode.rawValue) needs the CA that signed the server's certificate: add &sslrootcert=/path/ca.pem"
            )
        }
        self.init(
            user: user, host: host, port: port, database: path.isEmpty ? user : path, sslMode: sslMode,
            sslRootCert: rootCert)
    }

    /// The URL without secrets (there are none to hide): what logs and errors show.
    public var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        var text = "postgres://\(user)@\(shownHost):\(port)/\(database)?sslmode=\(sslMode.rawValue)"
        if let sslRootCert { text += "&sslrootcert=\(sslRootCert)" }
        return text
    }

    /// `host:port`, as error messages name the server.
    public var address: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
