import Foundation
import Hummingbird
import KilnCatalog
import KilnReconciler
import KilnSpec
import Logging
import Metrics
import Prometheus

/// Kiln's read-only HTTP endpoints. This release serves health, readiness, metrics, the sync record (including a
/// refused commit and its errors) and each object's status; the seed APIs' endpoints (Morpheus, MWS, Deltacloud, the
/// VM builder service) come next and will hang off the same router.
public struct QueryServer: Sendable {
    public var catalog: any Catalog
    public var health: ServerHealth
    public var registry: PrometheusCollectorRegistry
    /// The repository to name in read-only answers.
    public var repository: String
    public var tokens: [String]

    public init(catalog: any Catalog, health: ServerHealth, registry: PrometheusCollectorRegistry, repository: String,
                tokens: [String] = []) {
        self.catalog = catalog
        self.health = health
        self.registry = registry
        self.repository = repository
        self.tokens = tokens
    }

    public func router() -> Router<BasicRequestContext> {
        // Every GET route answers HEAD too, as the API promises (and as the read-only answer's `Allow` says).
        let router = Router(options: .autoGenerateHeadEndpoints)
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: TokenMiddleware(tokens: tokens.map { Array($0.utf8) }))
        router.add(middleware: ReadOnlyMiddleware(repository: repository))
        router.get("/healthz") { _, _ in
            JSONResponse.text("ok\n")
        }
        router.get("/readyz") { [health] _, _ in
            await health.ready ? JSONResponse.text("ready\n")
                : JSONResponse.error("not-ready", "the first reconcile pass has not finished", status: .serviceUnavailable)
        }
        router.get("/metrics") { [registry] _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        router.get("/kiln/v1/sync") { [catalog] _, _ in
            let sync = try await catalog.sync()
            return JSONResponse.make(.object(Dictionary(uniqueKeysWithValues: StatusDocument.sync(sync))))
        }
        router.get("/kiln/v1/status/:kind/:name") { [catalog] _, context in
            let kindText = context.parameters.get("kind") ?? ""
            let name = context.parameters.get("name") ?? ""
            guard let kind = Kind(slug: kindText) else {
                return JSONResponse.error("bad-request", "unknown kind \(kindText) (imagebuild, image, virtualmachine)", status: .badRequest)
            }
            let state = try await catalog.state()
            let document: [(String, SpecValue)]? = switch kind {
            case .imageBuild: state.builds[name].map { StatusDocument.build($0, state: state, notes: []) }
            case .image: state.images[name].map { StatusDocument.image($0, notes: []) }
            case .virtualMachine: state.vms[name].map { StatusDocument.vm($0, notes: []) }
            }
            guard let document else {
                return JSONResponse.error("\(kind.slug)-not-found", "no \(kind.rawValue) named \(name)", status: .notFound)
            }
            return JSONResponse.make(.object(Dictionary(uniqueKeysWithValues: document)))
        }
        return router
    }

    /// The HTTP server as a service, for a `ServiceGroup`.
    public func application(host: String, port: Int, logger: Logger) -> some ApplicationProtocol {
        Application(router: router(), configuration: .init(address: .hostname(host, port: port), serverName: "kiln"),
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
