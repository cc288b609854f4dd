import Foundation
import KilnCatalog
import Testing

/// `--catalog` URLs and password files: pure parsing, no server.
@Suite("PostgreSQL catalog location and password")
struct PostgresLocationTests {
    @Test func fullURL() throws {
        let location = try PostgresLocation(
            url: "postgres://kiln@db.example:6543/fleet?sslmode=verify-full&sslrootcert=/etc/kiln/ca.pem")
        #expect(
            location
                == PostgresLocation(
                    user: "kiln", host: "db.example", port: 6543, database: "fleet", sslMode: .verifyFull,
                    sslRootCert: "/etc/kiln/ca.pem"))
        #expect(
            location.description
                == "postgres://kiln@db.example:6543/fleet?sslmode=verify-full&sslrootcert=/etc/kiln/ca.pem")
    }

    @Test("libpq's defaults: port 5432, the database named after the user, sslmode=prefer; IPv6 in brackets")
    func defaults() throws {
        let location = try PostgresLocation(url: "postgresql://ada@[::1]")
        #expect(location == PostgresLocation(user: "ada", host: "::1", port: 5432, database: "ada", sslMode: .prefer))
        #expect(location.address == "[::1]:5432")
    }

    @Test(
        "a password in the URL is refused, however it is written, and the error never repeats it",
        arguments: [
            "postgres://kiln:hunter2@127.0.0.1:5432/kiln",
            "postgresql://kiln:hunter2@127.0.0.1/kiln?sslmode=disable",
            "postgres://kiln:@127.0.0.1:5432/kiln",
            "postgres://kiln@127.0.0.1:5432/kiln?password=hunter2",
            "postgres://kiln@127.0.0.1:5432/kiln?sslmode=disable&PASSWORD=hunter2&x=1"
        ])
    func passwordInURL(_ url: String) {
        #expect {
            _ = try CatalogLocation(parsing: url)
        } throws: { error in
            let text = "\(error)"
            return text.contains("password in the URL is refused") && text.contains("--catalog-password-file")
                && !text.contains("hunter2")
        }
    }

    @Test(
        "a URL too broken to parse is refused without showing its password",
        arguments: [
            ("postgres://kiln:hunter 2@127.0.0.1/kiln", "hunter 2"),
            ("postgres://kiln:hun@ter2@127.0.0.1/kiln", "ter2"),
            ("postgres://kiln:hun/ter2@127.0.0.1/kiln", "ter2"),
            ("postgres://kiln@127.0.0.1/kiln?password=hunter 2", "hunter 2"),
            ("mysql://kiln:hunter2@127.0.0.1/kiln?password=hunter2", "hunter2")
        ])
    func brokenURLWithPassword(_ url: String, _ secret: String) {
        #expect {
            _ = try CatalogLocation(parsing: url)
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("catalog ") && text.contains("************") && !text.contains(secret)
        }
    }

    @Test(
        "mistakes name what is wrong",
        arguments: [
            ("postgres://127.0.0.1:5432/kiln", "name the user"),
            ("postgres://kiln@127.0.0.1:5432/kiln?sslmode=always", "sslmode=always is not one of"),
            ("postgres://kiln@127.0.0.1:5432/kiln?sslmode=verify-full", "needs the CA"),
            ("postgres://kiln@127.0.0.1:5432/kiln?pool=9", "unknown parameter pool"),
            ("postgres://kiln@127.0.0.1:5432/a/b", "one name after the port"),
            ("mysql://kiln@127.0.0.1/kiln", "Kiln knows sqlite:PATH and postgres://"),
            ("sqlite:", "needs a path")
        ])
    func mistakes(_ text: String, _ expected: String) {
        #expect {
            _ = try CatalogLocation(parsing: text)
        } throws: { error in
            "\(error)".contains(expected)
        }
    }

    @Test func sqliteLocations() throws {
        #expect(try CatalogLocation(parsing: "sqlite:.kiln/catalog.sqlite") == .sqlite(path: ".kiln/catalog.sqlite"))
        #expect(
            try CatalogLocation(parsing: "/var/lib/kiln/catalog.sqlite")
                == .sqlite(path: "/var/lib/kiln/catalog.sqlite"))
    }

    @Test("a password file gives its content less the newline; a libpq password file gives the first matching line")
    func passwordSources() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-pw-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let location = try PostgresLocation(url: "postgres://kiln@db:5432/fleet")
        let plain = "\(folder)/password"
        FileManager.default.createFile(
            atPath: plain, contents: Data("s3cr:et\n".utf8), attributes: [.posixPermissions: 0o600])
        #expect(try PostgresPassword.resolve(for: location, passwordFile: plain, environment: [:]) == "s3cr:et")

        let pgpass = "\(folder)/pgpass"
        let lines = """
            # comment
            other:5432:fleet:kiln:wrong
            db:5432:other:kiln:wrong
            db:*:fleet:kiln:pa\\:ss\\\\word
            *:*:*:*:fallback
            """
        FileManager.default.createFile(
            atPath: pgpass, contents: Data(lines.utf8), attributes: [.posixPermissions: 0o600])
        #expect(
            try PostgresPassword.resolve(for: location, passwordFile: nil, environment: ["PGPASSFILE": pgpass])
                == "pa:ss\\word")
        let elsewhere = try PostgresLocation(url: "postgres://ada@elsewhere/x")
        #expect(
            try PostgresPassword.resolve(for: elsewhere, passwordFile: nil, environment: ["PGPASSFILE": pgpass])
                == "fallback")
        #expect(try PostgresPassword.resolve(for: location, passwordFile: nil, environment: ["HOME": folder]) == nil)

        chmod(pgpass, 0o644)
        #expect {
            _ = try PostgresPassword.resolve(for: location, passwordFile: nil, environment: ["PGPASSFILE": pgpass])
        } throws: { error in "\(error)".contains("chmod 600") }
        #expect {
            _ = try PostgresPassword.resolve(for: location, passwordFile: "\(folder)/missing", environment: [:])
        } throws: { error in "\(error)".contains("cannot be read") }
    }
}
