import Foundation
import Hummingbird
import HummingbirdTesting
import KilnServer
import Testing

/// The server's real answers match `specs/openapi.yaml`: every answer's status is documented for its operation, its
/// documented headers are there, and its body matches the schema (checked by the `jsonschema` package); and every
/// documented response is produced by some request here.
@Suite struct OpenAPIResponseTests {
    static let writeMethods: [HTTPRequest.Method] = [.post, .put, .patch, .delete, .options]
    static let paths: [(template: String, uri: String)] = [
        ("/healthz", "/healthz"), ("/readyz", "/readyz"), ("/metrics", "/metrics"), ("/kiln/v1/sync", "/kiln/v1/sync"),
        ("/kiln/v1/status/{kind}/{name}", "/kiln/v1/status/image/busybox"),
    ]

    /// Runs requests and records what came back.
    final class Recorder: @unchecked Sendable {
        private let lock = NSLock()
        private var recorded: [OpenAPIChecker.Exchange] = []

        var exchanges: [OpenAPIChecker.Exchange] { lock.withLock { recorded } }

        @discardableResult
        func record(_ client: any TestClientProtocol, _ template: String, _ uri: String, _ method: HTTPRequest.Method = .get,
                    headers: HTTPFields = [:]) async throws -> TestResponse {
            let response = try await client.execute(uri: uri, method: method, headers: headers)
            var fields: [String: String] = [:]
            for field in response.headers { fields[field.name.canonicalName] = field.value }
            let exchange = OpenAPIChecker.Exchange(path: template, method: method.rawValue, status: Int(response.status.code),
                                                   contentType: response.headers[.contentType], headers: fields, body: response.text)
            lock.withLock { recorded.append(exchange) }
            return response
        }
    }

    /// One request for every documented response: each status of each operation, open and with tokens.
    static func exchanges() async throws -> [OpenAPIChecker.Exchange] {
        let recorder = Recorder()
        let open = try await TestServer.make(ready: false)
        try await open.withClient { client in
            try await recorder.record(client, "/readyz", "/readyz")
            await open.health.markReady()
            for (template, uri) in paths {
                try await recorder.record(client, template, uri)
                for method in writeMethods { try await recorder.record(client, template, uri, method) }
            }
            let status = "/kiln/v1/status/{kind}/{name}"
            for uri in ["imagebuild/busybox", "ImageBuild/busybox", "virtualmachine/hello-1", "virtualmachine/hello-2",
                        "widget/busybox", "imagebuild/nope", "image/nope", "virtualmachine/nope"] {
                try await recorder.record(client, status, "/kiln/v1/status/\(uri)")
            }
        }
        var sync = try await open.fixture.catalog.sync()
        sync.refusedCommit = nil
        sync.lastSeenAt = nil
        try await open.fixture.catalog.saveSync(sync)
        try await open.withClient { client in try await recorder.record(client, "/kiln/v1/sync", "/kiln/v1/sync") }

        let guarded = try await TestServer.make(tokens: ["t0ken"])
        try await guarded.withClient { client in
            for (template, uri) in paths {
                try await recorder.record(client, template, uri)
                try await recorder.record(client, template, uri, headers: .bearer("t0ken"))
                for method in writeMethods { try await recorder.record(client, template, uri, method) }
            }
        }

        let failing = QueryServer(configuration: .init(repository: TestServer.repository), model: ReadModel(catalog: FailingCatalog()),
                                  events: EventHub(), health: ServerHealth(), registry: SharedMetrics.registry)
        try await Application(router: failing.router()).test(.router) { client in
            try await recorder.record(client, "/kiln/v1/sync", "/kiln/v1/sync")
            try await recorder.record(client, "/kiln/v1/status/{kind}/{name}", "/kiln/v1/status/image/busybox")
        }
        return recorder.exchanges
    }

    @Test func everyAnswerMatchesTheDocumentAndEveryDocumentedResponseIsProduced() async throws {
        let exchanges = try await Self.exchanges()
        let report = try await OpenAPIChecker.check(exchanges)
        #expect(report.errors.isEmpty, "\(report.errors.joined(separator: "\n"))")
        let produced = Set(exchanges.map { "\($0.method) \($0.path) \($0.status)" })
        let missing = Set(report.documented).subtracting(produced)
        #expect(missing.isEmpty, "documented but never produced: \(missing.sorted())")
        #expect(report.documented.count > 40)
    }

    /// A control: answers that break the document are reported, each on its own, so that an empty report means
    /// something.
    @Test func answersThatBreakTheDocumentAreReported() async throws {
        let exchanges = try await Self.exchanges()
        func tampered(_ path: String, _ status: Int, where matches: ([String: Any]) -> Bool = { _ in true },
                      _ change: (inout [String: Any]) -> Void) throws -> OpenAPIChecker.Exchange {
            for var exchange in exchanges where exchange.path == path && exchange.status == status && exchange.method == "GET" {
                guard var object = try JSONSerialization.jsonObject(with: Data(exchange.body.utf8)) as? [String: Any],
                      matches(object) else { continue }
                change(&object)
                exchange.body = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
                return exchange
            }
            throw BodyError(description: "no \(status) answer of \(path) to tamper with")
        }
        let status = "/kiln/v1/status/{kind}/{name}"
        func kind(_ kind: String) -> ([String: Any]) -> Bool { { $0["kind"] as? String == kind } }
        let refused: ([String: Any]) -> Bool = { !($0["refused"] is NSNull) }
        var undocumented = exchanges[0]
        undocumented.status = 418
        var noAllow = try #require(exchanges.first { $0.status == 405 })
        noAllow.headers["allow"] = nil
        var wrongType = try #require(exchanges.first { $0.path == "/kiln/v1/sync" && $0.status == 200 })
        wrongType.contentType = "text/html"
        let bad = [
            try tampered("/kiln/v1/sync", 200, where: refused) { $0["extra"] = 1 },
            try tampered("/kiln/v1/sync", 200, where: refused) { $0["lastApplied"] = ["commit": "c"] },
            try tampered("/kiln/v1/sync", 200, where: refused) { $0["lastRun"] = ["at": "2026-01-01 00:00", "result": NSNull()] },
            try tampered(status, 200, where: kind("ImageBuild")) { $0["conditions"] = nil },
            try tampered(status, 200, where: kind("ImageBuild")) { $0["executions"] = [["buildNumber": 1, "status": "done"]] },
            try tampered(status, 200, where: kind("Image")) { $0["state"] = "READY" },
            try tampered(status, 200, where: kind("VirtualMachine")) { $0["cpus"] = "2" },
            try tampered(status, 200, where: kind("VirtualMachine")) { $0["unknownField"] = true },
            try tampered(status, 404) { $0["code"] = "not-found" },
            undocumented, noAllow, wrongType,
        ]
        for (i, exchange) in bad.enumerated() {
            let report = try await OpenAPIChecker.check([exchange])
            #expect(!report.errors.isEmpty, "tampered answer \(i) (\(exchange.method) \(exchange.path) \(exchange.status)) was not reported")
        }
    }
}
