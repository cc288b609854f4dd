import Foundation
import Synchronization

/// A throwaway PostgreSQL 15 cluster for tests: `initdb` into a temp folder, `pg_ctl start` on a free loopback port
/// with its Unix socket in that folder, stopped by its recorded pid (and start time) and removed by ``stop()``. Runs as
/// the `postgres` user when the tests run as root (PostgreSQL refuses root). Nothing depends on a system-wide server.
public final class PostgresCluster: Sendable {
    public static let binaries = "/usr/lib/postgresql/15/bin"
    public static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: "\(binaries)/initdb") }

    public let folder: String
    public let port: Int
    /// The superuser, who logs in over TCP with ``password`` (SCRAM), and over the socket without one.
    public let user = "kiln"
    public let password: String
    /// A file holding ``password`` (mode 0600): what `--catalog-password-file` takes.
    public let passwordFile: String
    /// The running postmaster: its pid and start time (nil while stopped by ``stopServer()``).
    let server: Mutex<(pid: Int32, startTime: UInt64)?>
    public var pid: Int32? { server.withLock { $0?.pid } }
    let owner: [String]

    var socketFolder: String { "\(folder)/socket" }

    init(
        folder: String, port: Int, password: String, passwordFile: String, pid: Int32, startTime: UInt64,
        owner: [String]
    ) {
        self.folder = folder
        self.port = port
        self.password = password
        self.passwordFile = passwordFile
        server = Mutex((pid, startTime))
        self.owner = owner
    }

    /// `postgres://kiln@127.0.0.1:PORT/DATABASE?sslmode=disable`.
    public func url(database: String, sslmode: String = "disable", host: String = "127.0.0.1") -> String {
        "postgres://\(user)@\(host):\(port)/\(database)?sslmode=\(sslmode)"
    }

    /// The CA (PEM) that signed the server's certificate, for `sslrootcert`, when the cluster was started with TLS.
    public var caFile: String? {
        FileManager.default.fileExists(atPath: "\(folder)/tls/ca.pem") ? "\(folder)/tls/ca.pem" : nil
    }

    /// Initializes and starts a cluster; `settings` adds `postgresql.conf` lines before the start. With `tls`, the
    /// server offers TLS with a certificate for 127.0.0.1 and localhost, signed by a CA made for it (``caFile``).
    /// `network`: an address of this host the server listens on besides loopback, and the network (CIDR) whose
    /// clients may log in by password there (a test fleet's bridge, ``FleetNetwork``).
    public static func start(
        settings: [String] = [], tls: Bool = false, network: (address: String, clients: String)? = nil
    ) async throws -> PostgresCluster {
        guard isInstalled else {
            throw ClusterFailure(
                step: "find PostgreSQL 15", detail: "\(binaries)/initdb is missing: run bash .ci/install")
        }
        // Under root the server runs as `postgres`, which must reach the folder: a TMPDIR under /root would not let it.
        let base = getuid() == 0 ? "/tmp" : FileManager.default.temporaryDirectory.path
        let folder = "\(base)/kiln-pg-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: "\(folder)/socket", withIntermediateDirectories: true)
        let password = UUID().uuidString
        let passwordFile = "\(folder)/password"
        FileManager.default.createFile(
            atPath: passwordFile, contents: Data((password + "\n").utf8), attributes: [.posixPermissions: 0o600])
        // initdb reads the password from a file of its own, which the cluster's owner can read.
        let initPassword = "\(folder)/initdb-password"
        FileManager.default.createFile(
            atPath: initPassword, contents: Data(password.utf8), attributes: [.posixPermissions: 0o600])
        var settings = settings
        if tls {
            try await makeCertificates(in: "\(folder)/tls")
            settings += [
                "ssl = on", "ssl_cert_file = '\(folder)/tls/server.pem'", "ssl_key_file = '\(folder)/tls/server.key'"
            ]
        }
        var owner: [String] = []
        if getuid() == 0 {
            owner = ["/usr/sbin/runuser", "-u", "postgres", "--"]
            _ = try await ChildProcess.shell("chown -R postgres:postgres \(ChildProcess.quoted(folder))")
        }
        let data = "\(folder)/data"
        try await run(
            owner, "\(binaries)/initdb",
            [
                "-D", data, "-U", "kiln", "--pwfile", initPassword, "--auth-local=trust",
                "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"
            ],
            step: "initdb")
        unlink(initPassword)
        let conf =
            [
                "listen_addresses = '127.0.0.1'", "unix_socket_directories = '\(folder)/socket'",
                "max_connections = 300",
                "fsync = off", "synchronous_commit = off", "full_page_writes = off"
            ] + settings + (network.map { ["listen_addresses = '127.0.0.1,\($0.address)'"] } ?? [])
        try append(conf, to: "\(data)/postgresql.conf")
        if let network { try append(["host all all \(network.clients) scram-sha-256"], to: "\(data)/pg_hba.conf") }
        // A port from the kernel, bound and released; a lost race (another process took it) is retried.
        var lastError: (any Error)?
        for _ in 0..<5 {
            let port = try freePort()
            do {
                try await run(
                    owner, "\(binaries)/pg_ctl",
                    [
                        "start", "-D", data, "-w", "-t", "600", "-l", "\(folder)/server.log",
                        "-o", "-p \(port)"
                    ], step: "pg_ctl start")
            } catch {
                lastError = error
                continue
            }
            let (pid, start) = try postmaster(data)
            return PostgresCluster(
                folder: folder, port: port, password: password, passwordFile: passwordFile, pid: pid,
                startTime: start, owner: owner)
        }
        throw lastError ?? ClusterFailure(step: "pg_ctl start", detail: "no free port")
    }

    /// Appends lines to one of the cluster's configuration files.
    static func append(_ lines: [String], to path: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(("\n" + lines.joined(separator: "\n") + "\n").utf8))
        try handle.close()
    }

    /// A CA and a server certificate it signed (for IP 127.0.0.1 and DNS localhost), made by openssl, one day valid.
    public static func makeCertificates(in folder: String) async throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "subjectAltName = IP:127.0.0.1, DNS:localhost\n".write(
            toFile: "\(folder)/san.ext", atomically: true, encoding: .utf8)
        let q = ChildProcess.quoted(folder)
        let steps = [
            "openssl req -x509 -newkey rsa:2048 -nodes -keyout \(q)/ca.key -out \(q)/ca.pem -days 1 -subj /CN=kiln-test-ca",
            "openssl req -newkey rsa:2048 -nodes -keyout \(q)/server.key -out \(q)/server.csr -subj /CN=127.0.0.1",
            "openssl x509 -req -in \(q)/server.csr -CA \(q)/ca.pem -CAkey \(q)/ca.key -CAcreateserial -out \(q)/server.pem -days 1 -extfile \(q)/san.ext",
            "chmod 600 \(q)/server.key"
        ]
        for step in steps {
            let result = try await ChildProcess.run("/bin/sh", ["-c", step])
            guard result.exitCode == 0, !result.signalled else {
                throw ClusterFailure(step: step, detail: result.description)
            }
        }
    }

    /// Creates a database owned by the superuser, through the socket.
    public func createDatabase(_ name: String) async throws {
        try await Self.run(
            owner, "\(Self.binaries)/createdb", ["-h", socketFolder, "-p", String(port), "-U", user, name],
            step: "createdb \(name)")
    }

    /// Runs SQL through `psql` on the socket (what tests use to damage or inspect a catalog behind Kiln's back).
    @discardableResult
    public func sql(_ statement: String, database: String) async throws -> String {
        let result = try await ChildProcess.run(
            "\(Self.binaries)/psql",
            [
                "-h", socketFolder, "-p", String(port), "-U", user, "-d", database,
                "-v", "ON_ERROR_STOP=1", "-At", "-c", statement
            ])
        guard result.exitCode == 0, !result.signalled else {
            throw ClusterFailure(step: "psql \(statement)", detail: result.description)
        }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Stops the server by its pid (fast shutdown: SIGINT), waits until it is gone, and removes the folder.
    public func stop() async {
        await stopServer()
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Stops the server by its recorded pid and start time (fast shutdown: SIGINT) and waits until it is gone; the
    /// folder stays, for ``startServer()`` (a database restart, as a test sees it).
    public func stopServer() async {
        guard let (pid, startTime) = server.withLock({ $0 }) else { return }
        if Self.processStartTime(pid) == startTime {
            kill(pid, SIGINT)
            let deadline = ContinuousClock.now + .seconds(300)
            while Self.processStartTime(pid) == startTime, ContinuousClock.now < deadline {
                await CleanupPause.sleep(for: .milliseconds(50))
            }
            if Self.processStartTime(pid) == startTime { kill(pid, SIGKILL) }
        }
        server.withLock { $0 = nil }
    }

    /// Starts the stopped server again, on the same port, with the same data.
    public func startServer() async throws {
        guard pid == nil else { return }
        let data = "\(folder)/data"
        try await Self.run(
            owner, "\(Self.binaries)/pg_ctl",
            [
                "start", "-D", data, "-w", "-t", "600", "-l", "\(folder)/server.log",
                "-o", "-p \(port)"
            ], step: "pg_ctl start (again)")
        let started = try Self.postmaster(data)
        server.withLock { $0 = started }
    }

    /// The postmaster's pid (postmaster.pid's first line) and its start time.
    static func postmaster(_ data: String) throws -> (pid: Int32, startTime: UInt64) {
        let pidText = try String(contentsOfFile: "\(data)/postmaster.pid", encoding: .utf8)
        guard let pid = pidText.split(separator: "\n").first.flatMap({ Int32($0) }), let start = processStartTime(pid)
        else {
            throw ClusterFailure(step: "read postmaster.pid", detail: pidText)
        }
        return (pid, start)
    }

    static func run(_ owner: [String], _ executable: String, _ arguments: [String], step: String) async throws {
        let command =
            owner.isEmpty ? (executable, arguments) : (owner[0], Array(owner.dropFirst()) + [executable] + arguments)
        let result = try await ChildProcess.run(command.0, command.1, directory: "/")
        guard result.exitCode == 0, !result.signalled else {
            throw ClusterFailure(step: step, detail: result.description)
        }
    }

    /// A TCP port on 127.0.0.1 that nothing listens on right now.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClusterFailure(step: "socket", detail: String(cString: strerror(errno))) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw ClusterFailure(step: "bind", detail: String(cString: strerror(errno))) }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw ClusterFailure(step: "getsockname", detail: String(cString: strerror(errno))) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// A process's start time (clock ticks since boot, /proc/PID/stat field 22), nil when it is gone or a zombie: with
    /// its pid, what identifies a process to end (a reused pid has another start time).
    public static func processStartTime(_ pid: Int32) -> UInt64? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command: state is field 3, start time field 22.
        guard fields.count > 19, fields[0] != "Z" else { return nil }
        return UInt64(fields[19])
    }
}

/// A step of making a test cluster failed.
public struct ClusterFailure: Error, CustomStringConvertible {
    public var step: String
    public var detail: String
    public var description: String { "test PostgreSQL: \(step) failed: \(detail)" }
}

/// The test process's one cluster, shared by every suite that needs PostgreSQL: started on first use inside a scope,
/// stopped when the last scope (a suite that declared it needs the cluster) ends.
public actor SharedPostgres {
    public static let shared = SharedPostgres()

    var scopes = 0
    var starting: Task<PostgresCluster, any Error>?
    var databases = 0

    /// Runs `body` inside a scope: the cluster is available to it, and the last scope out stops the cluster.
    public nonisolated func withScope(_ body: @Sendable () async throws -> Void) async throws {
        await enter()
        do {
            try await body()
        } catch {
            await leave()
            throw error
        }
        await leave()
    }

    func enter() { scopes += 1 }

    func leave() async {
        scopes -= 1
        guard scopes == 0, let starting else { return }
        self.starting = nil
        if let cluster = try? await starting.value { await cluster.stop() }
    }

    /// The running cluster, started on first use.
    public func cluster() async throws -> PostgresCluster {
        if let starting { return try await starting.value }
        let task = Task { try await PostgresCluster.start() }
        starting = task
        return try await task.value
    }

    /// A new, empty database in the shared cluster, and its URL.
    public func newDatabase(
        _ stem: String = "kiln"
    ) async throws -> (cluster: PostgresCluster, url: String, name: String) {
        let cluster = try await cluster()
        databases += 1
        let name = "\(stem)_\(databases)"
        try await cluster.createDatabase(name)
        return (cluster, cluster.url(database: name), name)
    }
}
