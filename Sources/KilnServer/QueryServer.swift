import Foundation
import Hummingbird
import KilnCatalog
import KilnReconciler
import KilnSpec
import Logging
import Metrics
import Prometheus

/// Kiln's HTTP API: the seed APIs (Morpheus image builds, Moab MWS images, Deltacloud images, the VM builder
/// service), artifact downloads, Kiln's own endpoints, the dashboard, and the push webhook. Everything but the webhook
/// is read-only and answers from the read model, never by reading the whole catalog per request.
public struct QueryServer: Sendable {
    /// How the server behaves; everything has a default but the repository it names in read-only answers.
    public struct Configuration: Sendable {
        /// The repository to name in read-only answers (where to commit instead).
        public var repository: String
        /// The branch whose pushes wake the loop, until a pass has said which branch it follows.
        public var branch: String
        /// Bearer tokens; none turns authentication off.
        public var tokens: [String]
        /// The fleet's shared token (`--fleet-token-file`): other hosts present it to download an Image's file, which
        /// then requires it (or an API token). Never logged or shown.
        public var fleetToken: String?
        /// The push webhook's shared secret; nil turns the webhook off.
        public var webhookSecret: [UInt8]?
        /// Requests per second and burst per client; nil turns the limit off.
        public var rateLimit: (rate: Double, burst: Double)?
        /// The Deltacloud owner of images whose spec names none.
        public var defaultOwner: String
        public var maxURILength: Int
        /// How often a quiet event stream gets a keep-alive comment.
        public var eventKeepAlive: Duration

        public init(
            repository: String, branch: String = "main", tokens: [String] = [], webhookSecret: [UInt8]? = nil,
            rateLimit: (rate: Double, burst: Double)? = nil, defaultOwner: String = "kiln",
            maxURILength: Int = 8192, eventKeepAlive: Duration = .seconds(15), fleetToken: String? = nil
        ) {
            self.fleetToken = fleetToken
            self.repository = repository
            self.branch = branch
            self.tokens = tokens
            self.webhookSecret = webhookSecret
            self.rateLimit = rateLimit
            self.defaultOwner = defaultOwner
            self.maxURILength = maxURILength
            self.eventKeepAlive = eventKeepAlive
        }
    }

    public var configuration: Configuration
    public var model: ReadModel
    public var events: EventHub
    public var health: ServerHealth
    public var registry: PrometheusCollectorRegistry
    public var plan: (any PlanSource)?
    /// Who leads the fleet and which hosts are in it.
    public var fleet: FleetStatus
    /// Wakes the reconcile loop (a signed push arrived).
    public var wake: @Sendable () async -> Void
    /// Secret values to mask in a build's log.
    public var secrets: @Sendable (BuildRecord) -> [String]
    /// In a fleet, where the logs of executions that ran on other hosts come from.
    public var remoteLogs: (any RemoteLogSource)?
    let cache = ResponseCache()

    public init(
        configuration: Configuration, model: ReadModel, events: EventHub, health: ServerHealth,
        registry: PrometheusCollectorRegistry, plan: (any PlanSource)? = nil,
        fleet: FleetStatus = FleetStatus(
            leadership: Leadership(host: ProcessInfo.processInfo.hostName, lease: .seconds(15))),
        wake: @escaping @Sendable () async -> Void = {},
        secrets: @escaping @Sendable (BuildRecord) -> [String] = { _ in [] },
        remoteLogs: (any RemoteLogSource)? = nil
    ) {
        self.configuration = configuration
        self.model = model
        self.events = events
        self.health = health
        self.registry = registry
        self.plan = plan
        self.fleet = fleet
        self.wake = wake
        self.secrets = secrets
        self.remoteLogs = remoteLogs
    }

    public func router() -> Router<KilnRequestContext> {
        // Every GET route answers HEAD too, as the API promises (and as the read-only answer's `Allow` says).
        let router = Router(context: KilnRequestContext.self, options: .autoGenerateHeadEndpoints)
        router.add(middleware: RequestMetricsMiddleware())
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: RequestLimitsMiddleware(maxURILength: configuration.maxURILength))
        if let limit = configuration.rateLimit {
            router.add(
                middleware: RateLimitMiddleware(limiter: RateLimiter(.init(rate: limit.rate, burst: limit.burst))))
        }
        router.add(
            middleware: TokenMiddleware(
                tokens: configuration.tokens.map { Array($0.utf8) },
                fleetToken: configuration.fleetToken.map { Array($0.utf8) }))
        router.add(middleware: ReadOnlyMiddleware(repository: configuration.repository))

        let reads = ReadRoutes(model: model, cache: cache)
        router.get("/healthz") { _, _ in
            JSONResponse.text("ok\n")
        }
        router.get("/readyz") { [health, model, fleet] _, _ in
            guard await health.ready else {
                throw APIError(.serviceUnavailable, code: "not-ready", "the first reconcile pass has not finished")
            }
            if let stale = model.staleReason {
                throw APIError(.serviceUnavailable, code: "stale", "serving the last read of the catalog: \(stale)")
            }
            var fields = fleet.leaderFields()
            fields["status"] = .string("ready")
            return JSONResponse.make(.object(fields))
        }
        router.get("/metrics") { [registry] _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4"
            return Response(
                status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        MorpheusRoutes.add(to: router, reads: reads)
        ExecutionLogRoute.add(to: router, reads: reads, model: model, secrets: secrets, remote: remoteLogs)
        MWSRoutes.add(to: router, reads: reads)
        DeltacloudRoutes.add(to: router, reads: reads, defaultOwner: configuration.defaultOwner)
        VMBuilderRoutes.add(to: router, reads: reads)
        ArtifactRoutes.add(to: router, reads: reads)
        KilnRoutes.add(to: router, reads: reads, health: health, plan: plan, fleet: fleet)
        EventsRoute.add(to: router, hub: events, keepAlive: configuration.eventKeepAlive)
        DashboardRoutes.add(to: router, reads: reads)
        let branch = configuration.branch
        WebhookRoute.add(
            to: router,
            settings: .init(
                secret: configuration.webhookSecret,
                branch: { [model] in
                    let followed = model.snapshot.state.sync.branch
                    return followed.isEmpty ? branch : followed
                }, wake: wake))
        return router
    }

    /// The HTTP server as a service, for a `ServiceGroup`: with header and idle timeouts and a connection cap, so that
    /// slow or idle clients cannot hold it.
    /// `onListening` learns the address it listens on (the port, when asked for port 0).
    /// `eventLoops` is NIO's shared group unless a caller (a test) wants loops that nothing else in the process uses.
    public func application(
        host: String, port: Int, logger: Logger, limits: ConnectionLimits = ConnectionLimits(),
        eventLoops: EventLoopGroupProvider = .singleton,
        onListening: @escaping @Sendable (_ host: String, _ port: Int) async -> Void = { _, _ in }
    )
        -> some ApplicationProtocol
    {
        Application(
            router: router(), server: .http1(configuration: limits.http1),
            configuration: .init(
                address: .hostname(host, port: port), serverName: "kiln",
                availableConnectionsDelegate: .maximum(limits.maxConnections, logger: logger)),
            onServerRunning: { channel in
                await onListening(host, channel.localAddress?.port ?? port)
            },
            eventLoopGroupProvider: eventLoops,
            logger: logger)
    }
}

extension QueryServer {
    /// Sends swift-metrics to a Prometheus registry (once per process) and returns the registry `/metrics` serves.
    public static func bootstrapMetrics() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }
}
