import ArgumentParser
import Foundation
import KilnReconciler
import KilnServer
import KilnSpec
import Logging
import ServiceLifecycle

/// `kiln serve`: the reconcile loop and the read-only HTTP API, until SIGTERM or SIGINT.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reconcile every --interval and serve read-only status over HTTP, until SIGTERM or SIGINT.",
        discussion: """
            Running builds are separate processes: a stop leaves them running, and the next Kiln re-attaches them.
            """)

    @OptionGroup var source: SourceOptions
    @OptionGroup var flags: ReconcileFlags

    @Option(help: "Where to listen, HOST:PORT.")
    var listen: String = "127.0.0.1:8080"

    @Option(help: "Time between reconcile passes (jittered by ±10%).")
    var interval: SpecDuration = SpecDuration(seconds: 30)

    @Option(name: .customLong("token-file"), help: "A file of bearer tokens (one per line) that the API requires.")
    var tokenFile: String?

    @Flag(help: "Allow listening on a non-loopback address without --token-file.")
    var insecureNoAuth = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func validate() throws {
        _ = try address()
    }

    func address() throws -> (host: String, port: Int) {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
              (0...65535).contains(port) else {
            throw ValidationError("--listen must be HOST:PORT (got \(listen))")
        }
        let host = String(listen[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let loopback = host == "127.0.0.1" || host == "localhost" || host == "::1"
        if !loopback, tokenFile == nil, !insecureNoAuth {
            throw ValidationError("--listen \(listen) is not loopback: give --token-file, or --insecure-no-auth to serve without auth")
        }
        return (host, port)
    }

    func run() async throws {
        Logs.bootstrap(logLevel)
        let logger = Logger(label: "kiln")
        let registry = QueryServer.bootstrapMetrics()
        var tokens: [String] = []
        if let tokenFile {
            guard let text = try? String(contentsOfFile: tokenFile, encoding: .utf8) else {
                throw ValidationError("cannot read --token-file \(tokenFile)")
            }
            tokens = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !tokens.isEmpty else { throw ValidationError("--token-file \(tokenFile) holds no token") }
        }
        let wiring = try await Wiring(source: source, flags: flags, logger: logger)
        let health = ServerHealth()
        let server = QueryServer(catalog: wiring.catalog, health: health, registry: registry,
                                 repository: wiring.git.location.display, tokens: tokens)
        let (host, port) = try address()
        let loop = ReconcileService(reconciler: wiring.reconciler, interval: interval.duration, health: health, logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: loop), .init(service: server.application(host: host, port: port, logger: logger))],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        withExtendedLifetime(wiring.lock) {}
    }
}

/// The reconcile loop as a service: a pass every interval (±10% jitter), stopping between passes on shutdown.
struct ReconcileService: Service {
    let reconciler: Reconciler
    let interval: Duration
    let health: ServerHealth
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let report = await reconciler.pass()
            await health.markReady()
            if !report.outcomes.isEmpty || report.refusal != nil {
                logger.info("pass: \(report.outcomes.count) actions, \(report.objects.values.filter(\.ready).count)/\(report.objects.count) ready")
            }
            // While work is in flight, look again soon; otherwise wait the interval.
            let base = report.settled ? interval : min(interval, .seconds(2))
            let jitter = Double.random(in: 0.9...1.1)
            try? await gracefulSleep(base * jitter)
        }
        logger.info("reconcile loop stopped; running builds go on and are re-attached at the next start")
    }

    /// Sleeps, but wakes at once when a graceful shutdown begins.
    func gracefulSleep(_ duration: Duration) async throws {
        _ = try await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
    }
}
