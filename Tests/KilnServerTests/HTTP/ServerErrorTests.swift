import Hummingbird
import HummingbirdTesting
import KilnServer
import Testing

/// A failure inside a handler is a 500 in the error shape, without the failure's details (they go to the log).
@Suite struct ServerErrorTests {
    @Test(arguments: ["/kiln/v1/sync", "/kiln/v1/status/imagebuild/busybox"])
    func aCatalogFailureIs500InTheErrorShapeWithoutItsDetails(path: String) async throws {
        let server = QueryServer(
            configuration: .init(repository: TestServer.repository), model: ReadModel(catalog: FailingCatalog()),
            events: EventHub(), health: ServerHealth(), registry: SharedMetrics.registry)
        let app = Application(router: server.router(), logger: .expectedFailures)
        try await app.test(.router) { client in
            let response = try await client.execute(uri: path, method: .get)
            #expect(response.status == .internalServerError)
            #expect(response.headers[.contentType] == "application/json")
            let error = try response.json()
            #expect(error["code"] as? String == "internal-error")
            #expect(Set(error.keys) == ["code", "message"])
            #expect(!response.text.contains("catalog.sqlite"))
        }
    }
}
