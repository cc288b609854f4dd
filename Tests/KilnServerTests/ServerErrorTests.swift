import Hummingbird
import HummingbirdTesting
import KilnServer
import Testing

/// A failure inside a handler is a 500 in the error shape, without the failure's details (they go to the log).
@Suite struct ServerErrorTests {
    @Test(arguments: ["/kiln/v1/sync", "/kiln/v1/status/imagebuild/busybox"])
    func aCatalogFailureIs500InTheErrorShapeWithoutItsDetails(path: String) async throws {
        let server = QueryServer(catalog: FailingCatalog(), health: ServerHealth(), registry: SharedMetrics.registry,
                                 repository: TestServer.repository)
        let app = Application(router: server.router())
        try await app.test(.router) { client in
            let response = try await client.execute(uri: path, method: .get)
            #expect(response.status == .internalServerError)
            #expect(response.headers[.contentType] == "application/json; charset=utf-8")
            let error = try response.json()
            #expect(error["code"] as? String == "internal-error")
            #expect(Set(error.keys) == ["code", "message"])
            #expect(!response.text.contains("catalog.sqlite"))
        }
    }
}
