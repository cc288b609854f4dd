import PostgresNIO

/// The TLS a location's `sslmode` and `sslrootcert` ask for, as libpq reads them.
struct PostgresTLS {
    let mode: PostgresLocation.SSLMode
    let configuration: TLSConfiguration

    init(_ location: PostgresLocation) throws {
        mode = location.sslMode
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let root = location.sslRootCert {
            configuration.trustRoots = .file(root)
        }
        switch location.sslMode {
        case .disable, .prefer:
            configuration.certificateVerification = .none
        case .require:
            // libpq: with a root certificate given, `require` checks the chain as `verify-ca` does.
            configuration.certificateVerification = location.sslRootCert == nil ? .none : .noHostnameVerification
        case .verifyCA:
            configuration.certificateVerification = .noHostnameVerification
        case .verifyFull:
            configuration.certificateVerification = .fullVerification
        }
        self.configuration = configuration
    }

    func connection() throws -> PostgresConnection.Configuration.TLS {
        switch mode {
        case .disable: .disable
        case .prefer: .prefer(try NIOSSLContext(configuration: configuration))
        default: .require(try NIOSSLContext(configuration: configuration))
        }
    }

    func client() -> PostgresClient.Configuration.TLS {
        switch mode {
        case .disable: .disable
        case .prefer: .prefer(configuration)
        default: .require(configuration)
        }
    }
}
