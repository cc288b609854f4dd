import ArgumentParser
import Foundation
import KilnBuilder
import KilnCatalog
import KilnDrivers
import KilnReconciler
import KilnServer
import KilnSource
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

    @Option(help: "Where to listen, HOST:PORT (port 0: any free port; the log says which).")
    var listen: String = "127.0.0.1:8080"

    @Option(help: "Time between reconcile passes (jittered by ±10%).")
    var interval: SpecDuration = SpecDuration(seconds: 30)

    @Option(name: .customLong("token-file"), help: "A file of bearer tokens (one per line) that the API requires.")
    var tokenFile: String?

    @Flag(help: "Allow listening on a non-loopback address without --token-file.")
    var insecureNoAuth = false

    @Option(
        name: .customLong("webhook-secret-file"),
        help: "A file holding the push webhook's shared secret (GitHub, GitLab, Gitea/Forgejo); without it, no webhook."
    )
    var webhookSecretFile: String?

    @Option(
        name: .customLong("rate-limit"),
        help: "Requests per second each client may make (bursts of twice that); 0 turns the limit off.")
    var rateLimit: Double = 200

    @Option(name: .customLong("max-connections"), help: "Most HTTP connections open at once.")
    var maxConnections: Int = 1024

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    @OptionGroup var fleet: FleetOptions

    func validate() throws {
        _ = try address()
        try fleet.check()
        guard rateLimit >= 0 else { throw ValidationError("--rate-limit must not be negative") }
        guard maxConnections >= 1 else { throw ValidationError("--max-connections must be at least 1") }
    }

    func address() throws -> (host: String, port: Int) {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
            (0...65535).contains(port)
        else {
            throw ValidationError("--listen must be HOST:PORT (got \(listen))")
        }
        let host = String(listen[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let loopback = host == "127.0.0.1" || host == "localhost" || host == "::1"
        if !loopback, tokenFile == nil, !insecureNoAuth {
            throw ValidationError(
                "--listen \(listen) is not loopback: give --token-file, or --insecure-no-auth to serve without auth")
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
            tokens = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter {
                !$0.isEmpty
            }
            guard !tokens.isEmpty else { throw ValidationError("--token-file \(tokenFile) holds no token") }
        }
        var webhookSecret: [UInt8]?
        if let webhookSecretFile {
            guard let text = try? String(contentsOfFile: webhookSecretFile, encoding: .utf8) else {
                throw ValidationError("cannot read --webhook-secret-file \(webhookSecretFile)")
            }
            let secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !secret.isEmpty else { throw ValidationError("--webhook-secret-file \(webhookSecretFile) is empty") }
            webhookSecret = Array(secret.utf8)
        }
        let waker = LoopWaker()
        let leadership = Leadership(host: fleet.name, lease: fleet.lease.duration) { _ in Task { await waker.wake() } }
        let fleetToken = try fleet.fleetToken()
        let wiring = try await Wiring(
            source: source, flags: flags, leadership: leadership, fleetHost: fleet.name,
            artifacts: { [fleet] in fleet.artifacts(catalog: $0, paths: $1, token: fleetToken, logger: logger) },
            artifactStore: fleet.store, logger: logger)
        let health = ServerHealth()
        let events = EventHub()
        let model = ReadModel(catalog: wiring.catalog, events: events, logger: logger)
        let fleetStatus = FleetStatus(leadership: leadership)
        let advertised = AdvertisedAddress()
        let planGit = try GitSource(wiring.git.configuration)
        let resolver = SecretResolver(secretsDirectory: flags.secretsDir ?? wiring.paths.secrets)
        var configuration = QueryServer.Configuration(
            repository: wiring.git.location.display, branch: await wiring.git.trackedBranch() ?? "main", tokens: tokens,
            webhookSecret: webhookSecret, fleetToken: fleetToken?.value)
        if rateLimit > 0 { configuration.rateLimit = (rateLimit, rateLimit * 2) }
        let server = QueryServer(
            configuration: configuration, model: model, events: events, health: health, registry: registry,
            plan: GitPlanSource(git: planGit, catalog: wiring.catalog, budget: flags.options.budget),
            fleet: fleetStatus,
            wake: { await waker.wake() },
            secrets: { build in build.typed.secretReferences.compactMap { try? resolver.resolve($0) } },
            remoteLogs: wiring.hostPass == nil
                ? nil : FleetLogFetcher(fleet: fleetStatus, localHost: fleet.name, token: fleetToken?.value))
        let (host, port) = try address()
        let loop = ReconcileService(
            reconciler: wiring.reconciler, interval: interval.duration, health: health, model: model,
            events: events, waker: waker, leadership: leadership, logger: logger)
        let election = ElectionService(election: wiring.catalog.election(logger: logger), leadership: leadership)
        let heartbeat = HostHeartbeatService(
            catalog: wiring.catalog, status: fleetStatus, facts: fleet.facts(paths: wiring.paths, flags: flags),
            address: advertised, fleet: wiring.hostPass != nil, logger: logger)
        let application = server.application(
            host: host, port: port, logger: logger,
            limits: ConnectionLimits(maxConnections: maxConnections)
        ) { host, port in
            await advertised.set("http://\(host.contains(":") ? "[\(host)]" : host):\(port)")
            // Said whatever the log level: a caller that asked for port 0 learns the port from this line.
            Output.err("kiln serve: listening on http://\(host.contains(":") ? "[\(host)]" : host):\(port)")
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: election), .init(service: heartbeat), .init(service: loop),
            .init(service: ReadModelService(model: model, logger: logger)), .init(service: application)
        ]
        if let pass = wiring.hostPass, let imageWork = wiring.imageWork {
            let hostWaker = LoopWaker()
            let reserved = HostReservation()
            services.append(
                .init(
                    service: HostPassService(
                        pass: pass, reserved: reserved, interval: interval.duration, lease: fleet.lease.duration,
                        waker: hostWaker, logger: logger)))
            services.append(
                .init(
                    service: BuildWorkService(
                        host: fleet.name, labels: fleet.hostLabels.sorted(), cpus: fleet.cpus, reserved: reserved,
                        catalog: wiring.catalog,
                        builds: wiring.processBuilds, images: imageWork, slots: fleet.buildSlots,
                        lease: fleet.lease.duration,
                        waker: LoopWaker(), logger: logger)))
            services.append(
                .init(
                    service: HostSweepService(
                        files: ExecutionFileSweep(paths: wiring.paths),
                        images: ImportedImageSweep(paths: wiring.paths),
                        cache: ArtifactCacheSweep(cache: fleet.artifactCache(paths: wiring.paths)),
                        catalog: wiring.catalog, every: .seconds(3600), logger: logger)))
            if let postgres = wiring.catalog as? PostgresCatalog {
                services.append(
                    .init(
                        service: ChangeListenerService(catalog: postgres, logger: logger) { await hostWaker.wake() }))
            }
        }
        let group = ServiceGroup(
            configuration: .init(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        withExtendedLifetime(wiring.lock) {}
    }
}
