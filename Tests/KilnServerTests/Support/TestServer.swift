import Foundation
import Hummingbird
import HummingbirdTesting
import KilnCatalog
import KilnServer

/// swift-metrics can be bootstrapped once per process: every test shares this registry.
enum SharedMetrics {
    static let registry = QueryServer.bootstrapMetrics()
}

/// A `QueryServer` over a populated catalog, driven through Hummingbird's router test client.
struct TestServer {
    static let repository = "https://git.example.org/infra/images.git"

    let fixture: CatalogFixture
    let health = ServerHealth()
    let events = EventHub()
    let model: ReadModel
    var configuration: QueryServer.Configuration
    var wake: @Sendable () async -> Void = {}
    var secrets: @Sendable (BuildRecord) -> [String] = { _ in [] }
    var plan: (any PlanSource)?
    var remoteLogs: (any RemoteLogSource)?
    /// This server leads a fleet of one host (itself) since 2026-01-01.
    let fleet: FleetStatus

    static func make(
        tokens: [String] = [], ready: Bool = true,
        configure: (inout QueryServer.Configuration) -> Void = { _ in }
    ) async throws -> TestServer {
        let fixture = try await CatalogFixture()
        var configuration = QueryServer.Configuration(repository: repository, tokens: tokens)
        configure(&configuration)
        let server = TestServer(
            fixture: fixture, model: ReadModel(catalog: fixture.catalog), configuration: configuration)
        if ready { await server.health.markReady() }
        let since = Date(timeIntervalSince1970: 1_767_225_600)
        server.fleet.leadership.update(.leader(LeaderRecord(host: "kiln-test", epoch: 1, since: since)))
        await server.fleet.update(
            FleetHosts(
                hosts: [
                    HostRecord(
                        name: "kiln-test", address: "http://127.0.0.1:8080", cpus: 2, memoryBytes: 4 << 30,
                        diskFreeBytes: 20 << 30,
                        kvm: false, labels: ["rack=r1"], version: "0.1.0", dataDir: "/var/lib/kiln", leaseSeconds: 15,
                        startedAt: since, heartbeatAt: since.addingTimeInterval(600))
                ], now: since.addingTimeInterval(605)))
        return server
    }

    init(fixture: CatalogFixture, model: ReadModel, configuration: QueryServer.Configuration) {
        self.fixture = fixture
        self.model = model
        self.configuration = configuration
        fleet = FleetStatus(leadership: Leadership(host: "kiln-test", lease: .seconds(15)))
    }

    /// Gives the fixture's execution #1 of busybox a real log, `text` at `path` (its folder made); returns it.
    @discardableResult
    func logExecution(_ text: String, at path: String) async throws -> ExecutionRecord {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        guard
            var execution = try await fixture.catalog.state().executions["busybox"]?.first(where: {
                $0.buildNumber == 1
            })
        else { throw BodyError(description: "the fixture has no execution #1 of busybox") }
        execution.logPath = path
        try await fixture.catalog.saveExecution(execution)
        return execution
    }

    /// Reads the catalog's changes into the read model, as the server's refresher does a few times a second.
    func refresh() async throws {
        try await model.refresh()
    }

    var queryServer: QueryServer {
        QueryServer(
            configuration: configuration, model: model, events: events, health: health,
            registry: SharedMetrics.registry,
            plan: plan, fleet: fleet, wake: wake, secrets: secrets, remoteLogs: remoteLogs)
    }

    @discardableResult
    func withClient<Value: Sendable>(
        _ body: @Sendable (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        let app = Application(router: queryServer.router())
        return try await app.test(.router) { client in try await body(client) }
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    /// The body as a JSON object; a test failure when it is not one.
    func json() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw BodyError(description: "not a JSON object: \(text)")
        }
        return object
    }
}

struct BodyError: Error, CustomStringConvertible {
    var description: String
}

extension HTTPFields {
    static func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)"] }

    static func basic(user: String, password: String) -> HTTPFields {
        [.authorization: "Basic \(Data("\(user):\(password)".utf8).base64EncodedString())"]
    }
}
