import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KilnCatalog
import KilnServer
import Testing

/// The server's real answers match `specs/openapi.yaml`: every answer's status is documented for its operation, its
/// documented headers are there, and its body matches the schema (checked by the `jsonschema` package); and every
/// documented response is produced by some request here.
@Suite struct OpenAPIResponseTests {
    static let writeMethods: [HTTPRequest.Method] = [.post, .put, .patch, .delete, .options]
    /// Every documented path, with a request that answers 200 on the fixture.
    static let paths: [(template: String, uri: String)] = [
        ("/healthz", "/healthz"), ("/readyz", "/readyz"), ("/metrics", "/metrics"),
        ("/api/image-builds", "/api/image-builds"), ("/api/image-builds/{id}", "/api/image-builds/busybox"),
        ("/api/image-builds/{id}/list-executions", "/api/image-builds/busybox/list-executions"),
        ("/api/image-builds/{id}/executions/{buildNumber}/log", "/api/image-builds/busybox/executions/1/log"),
        ("/rest/images", "/rest/images?api-version=3"), ("/rest/images/{id}", "/rest/images/busybox"),
        ("/api", "/api"), ("/api/images", "/api/images"), ("/api/images/{id}", "/api/images/busybox"),
        ("/vms", "/vms"), ("/vms/{id}", "/vms/hello-1"),
        ("/kiln/v1/images/{name}/download", "/kiln/v1/images/busybox/download"),
        (
            "/kiln/v1/image-builds/{name}/executions/{number}/artifacts/{file}",
            "/kiln/v1/image-builds/busybox/executions/1/artifacts/busybox-1.qcow2"
        ),
        ("/kiln/v1/sync", "/kiln/v1/sync"), ("/kiln/v1/hosts", "/kiln/v1/hosts"), ("/kiln/v1/plan", "/kiln/v1/plan"),
        ("/kiln/v1/status/{kind}/{name}", "/kiln/v1/status/image/busybox"),
        ("/kiln/v1/lineage/{kind}/{name}", "/kiln/v1/lineage/image/busybox"),
        ("/kiln/v1/docs/{kind}", "/kiln/v1/docs/virtualmachine"), ("/", "/"),
        ("/ui/lineage/{kind}/{name}", "/ui/lineage/image/busybox")
    ]
    /// Answers a router test cannot record: an endless stream, covered by `EventsStreamTests` over a real socket.
    static let producedElsewhere: Set<String> = ["GET /kiln/v1/events 200"]

    /// Runs requests and records what came back.
    final class Recorder: @unchecked Sendable {
        private let lock = NSLock()
        private var recorded: [OpenAPIChecker.Exchange] = []

        var exchanges: [OpenAPIChecker.Exchange] { lock.withLock { recorded } }

        @discardableResult
        func record(
            _ client: any TestClientProtocol, _ template: String, _ uri: String, _ method: HTTPRequest.Method = .get,
            headers: HTTPFields = [:], body: ByteBuffer? = nil
        ) async throws -> TestResponse {
            let response = try await client.execute(uri: uri, method: method, headers: headers, body: body)
            var fields: [String: String] = [:]
            for field in response.headers { fields[field.name.canonicalName] = field.value }
            let exchange = OpenAPIChecker.Exchange(
                path: template, method: method.rawValue, status: Int(response.status.code),
                contentType: response.headers[.contentType], headers: fields, body: response.text)
            lock.withLock { recorded.append(exchange) }
            return response
        }
    }

    /// A server whose image and artifact are real files, with a plan source.
    static func server(
        tokens: [String] = [], ready: Bool = true,
        configure: (inout QueryServer.Configuration) -> Void = { _ in }
    ) async throws -> TestServer {
        var server = try await TestServer.make(tokens: tokens, ready: ready, configure: configure)
        server.plan = FixturePlanSource(catalog: server.fixture.catalog)
        let catalog = server.fixture.catalog
        let bytes = Array("qcow2 bytes of busybox".utf8)
        let path = server.fixture.folder.appendingPathComponent("busybox-1.qcow2").path
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let sha256 = SHA256.hash(data: bytes).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        let log = server.fixture.folder.appendingPathComponent("1.log").path
        FileManager.default.createFile(atPath: log, contents: Data("2026-01-01T00:00:00.000Z [kiln] start\n".utf8))
        var first = try #require(try await catalog.state().executions["busybox"]?.first)
        first.logPath = log
        try await catalog.saveExecution(first)
        var image = try #require(try await catalog.state().images["busybox"])
        image.path = path
        image.sha256 = sha256
        _ = try await catalog.saveImage(image)
        // Execution 1's qcow2 at the same real file: the fixture's virtual image rows name paths that do not exist.
        let state = try await catalog.state()
        let execution = try #require(state.executions["busybox"]?.first)
        let old = try #require(state.virtualImages[execution.id!]?.first { $0.format == "qcow2" })
        var copy = execution
        copy.id = nil
        copy.status = .pending
        var fresh = try await catalog.newExecution(copy)
        fresh.status = .success
        try await catalog.finishExecution(
            fresh,
            images: [
                VirtualImageRecord(
                    executionId: fresh.id!, buildName: "busybox", buildNumber: fresh.buildNumber,
                    name: "busybox-\(fresh.buildNumber)",
                    format: "qcow2", path: path, size: Int64(bytes.count), sha256: sha256, createdAt: old.createdAt)
            ])
        return server
    }

    /// One request for every documented response: each status of each operation, open, with tokens, rate-limited
    /// and over a catalog that cannot be read.
    static func exchanges() async throws -> [OpenAPIChecker.Exchange] {
        let recorder = Recorder()
        let open = try await server(ready: false)
        let number = try #require(try await open.fixture.catalog.state().executions["busybox"]?.last?.buildNumber)
        let artifact = "/kiln/v1/image-builds/busybox/executions/\(number)/artifacts/busybox-1.qcow2"
        let paths: [(template: String, uri: String)] = Self.paths.map {
            $0.template.hasSuffix("{file}") ? ($0.template, artifact) : $0
        }
        try await open.withClient { client in
            try await recorder.record(client, "/readyz", "/readyz")
            await open.health.markReady()
            for (template, uri) in paths {
                let answer = try await recorder.record(client, template, uri)
                if let etag = answer.headers[.eTag] {
                    try await recorder.record(client, template, uri, headers: [.ifNoneMatch: etag])
                }
                let long = uri + (uri.contains("?") ? "&" : "?") + "x=" + String(repeating: "a", count: 9000)
                try await recorder.record(client, template, long)
                for method in writeMethods { try await recorder.record(client, template, uri, method) }
            }
            let events = "/kiln/v1/events"
            try await recorder.record(client, events, events + "?x=" + String(repeating: "a", count: 9000))
            for method in writeMethods { try await recorder.record(client, events, events, method) }
            try await Self.errors(recorder, client, artifact: artifact)
        }
        // A catalog whose sync was never written, and no refusal: the other shapes of the sync record.
        var sync = try await open.fixture.catalog.sync()
        sync.refusedCommit = nil
        sync.lastSeenAt = nil
        try await open.fixture.catalog.saveSync(sync)
        try await open.refresh()
        try await open.withClient { client in try await recorder.record(client, "/kiln/v1/sync", "/kiln/v1/sync") }

        let guarded = try await server(tokens: ["t0ken"])
        try await guarded.withClient { client in
            for (template, uri) in paths + [("/kiln/v1/events", "/kiln/v1/events")] {
                try await recorder.record(client, template, uri)
                if template != "/kiln/v1/events" {
                    try await recorder.record(client, template, uri, headers: .bearer("t0ken"))
                }
                for method in writeMethods { try await recorder.record(client, template, uri, method) }
            }
        }

        // A refill of one request per thousand seconds: after the first, every request is over the limit.
        let limited = try await server { $0.rateLimit = (rate: 0.001, burst: 1) }
        try await limited.withClient { client in
            for (template, uri) in paths + [
                ("/kiln/v1/events", "/kiln/v1/events"), ("/kiln/v1/hooks/git", "/kiln/v1/hooks/git")
            ] {
                try await recorder.record(client, template, uri, template == "/kiln/v1/hooks/git" ? .post : .get)
            }
            try await recorder.record(client, paths[1].template, paths[1].uri)
        }

        let failing = QueryServer(
            configuration: .init(repository: TestServer.repository), model: ReadModel(catalog: FailingCatalog()),
            events: EventHub(), health: ServerHealth(), registry: SharedMetrics.registry,
            plan: FixturePlanSource(catalog: FailingCatalog()))
        try await Application(router: failing.router(), logger: .expectedFailures).test(.router) { client in
            for (template, uri) in paths where !["/healthz", "/readyz", "/metrics"].contains(template) {
                try await recorder.record(client, template, uri)
            }
            try await recorder.record(client, "/readyz", "/readyz")
        }
        let planless = try await TestServer.make()
        var deleting = try #require(try await planless.fixture.catalog.vm("hello-1"))
        deleting.vmStatus = .deleting
        _ = try await planless.fixture.catalog.saveVM(deleting)
        try await planless.withClient { client in
            try await recorder.record(client, "/kiln/v1/plan", "/kiln/v1/plan")
            try await recorder.record(client, "/vms/{id}", "/vms/hello-1")
        }
        return recorder.exchanges
    }

    /// Each documented error of each operation.
    static func errors(_ recorder: Recorder, _ client: any TestClientProtocol, artifact: String) async throws {
        let kindPaths = [
            "/kiln/v1/status/{kind}/{name}": "/kiln/v1/status", "/kiln/v1/lineage/{kind}/{name}": "/kiln/v1/lineage"
        ]
        for (template, base) in kindPaths {
            for uri in [
                "imagebuild/busybox", "ImageBuild/busybox", "virtualmachine/hello-1", "virtualmachine/hello-2",
                "widget/busybox", "imagebuild/nope", "image/nope", "virtualmachine/nope"
            ] {
                try await recorder.record(client, template, "\(base)/\(uri)")
            }
        }
        try await recorder.record(client, "/kiln/v1/docs/{kind}", "/kiln/v1/docs/widget")
        for uri in ["/ui/lineage/widget/x", "/ui/lineage/vm/nope", "/ui/lineage/imagebuild/busybox"] {
            try await recorder.record(client, "/ui/lineage/{kind}/{name}", uri)
        }
        for kind in ["imagebuild", "image"] {
            try await recorder.record(client, "/kiln/v1/docs/{kind}", "/kiln/v1/docs/\(kind)")
        }
        let badRequests: [(String, String)] = [
            ("/api/image-builds", "/api/image-builds?max=x"), ("/api/image-builds", "/api/image-builds?sort=color"),
            ("/api/image-builds", "/api/image-builds?phrase=BUSY&direction=desc&max=5000"),
            ("/api/image-builds/{id}/list-executions", "/api/image-builds/busybox/list-executions?status=done"),
            (
                "/api/image-builds/{id}/list-executions",
                "/api/image-builds/busybox/list-executions?status=failed&buildNumber=2"
            ),
            (
                "/api/image-builds/{id}/executions/{buildNumber}/log",
                "/api/image-builds/busybox/executions/1/log?follow=maybe"
            ),
            ("/rest/images", "/rest/images?query=%7Bbad"),
            ("/rest/images", "/rest/images?fields=id,name&sort=%7B%22name%22%3A-1%7D"),
            ("/rest/images/{id}", "/rest/images/busybox?api-version=2"), ("/api", "/api?format=yaml"),
            ("/api/images", "/api/images?format=yaml"), ("/api/images/{id}", "/api/images/busybox?format=yaml"),
            ("/vms", "/vms?status=exploded"), ("/vms", "/vms?status=failed"),
            ("/api", "/api?format=json"), ("/api/images", "/api/images?format=json&owner_id=kiln"),
            ("/api/images/{id}", "/api/images/busybox?format=json")
        ]
        for (template, uri) in badRequests { try await recorder.record(client, template, uri) }
        let notFound: [(String, String)] = [
            ("/api/image-builds/{id}", "/api/image-builds/nope"),
            ("/api/image-builds/{id}/list-executions", "/api/image-builds/nope/list-executions"),
            ("/api/image-builds/{id}/executions/{buildNumber}/log", "/api/image-builds/busybox/executions/99/log"),
            ("/rest/images/{id}", "/rest/images/nope"), ("/api/images/{id}", "/api/images/nope"),
            ("/vms/{id}", "/vms/nope"),
            ("/kiln/v1/images/{name}/download", "/kiln/v1/images/nope/download"),
            (
                "/kiln/v1/image-builds/{name}/executions/{number}/artifacts/{file}",
                "/kiln/v1/image-builds/busybox/executions/1/artifacts/nope.qcow2"
            )
        ]
        for (template, uri) in notFound { try await recorder.record(client, template, uri) }
        for template in ["/api", "/api/images", "/api/images/{id}"] {
            let uri = template.replacingOccurrences(of: "{id}", with: "busybox")
            try await recorder.record(client, template, uri, headers: [.accept: "text/html"])
        }
        let log = "/api/image-builds/{id}/executions/{buildNumber}/log"
        for (template, uri) in [
            (log, "/api/image-builds/busybox/executions/1/log"),
            ("/kiln/v1/images/{name}/download", "/kiln/v1/images/busybox/download"),
            ("/kiln/v1/image-builds/{name}/executions/{number}/artifacts/{file}", artifact)
        ] {
            try await recorder.record(client, template, uri, headers: [.range: "bytes=0-3"])
            try await recorder.record(client, template, uri, headers: [.range: "bytes=999999-"])
        }
        let webhook = "/kiln/v1/hooks/git"
        try await recorder.record(client, webhook, webhook, .post, body: ByteBuffer(string: "{}"))
        for method in [HTTPRequest.Method.get, .put, .patch, .delete, .options] {
            try await recorder.record(client, webhook, webhook, method)
        }
        try await recorder.record(client, webhook, webhook + "?x=" + String(repeating: "a", count: 9000), .post)
    }

    /// The webhook's answers, with a secret.
    static func webhookExchanges(_ recorder: Recorder) async throws {
        let server = try await server { $0.webhookSecret = Array("hush".utf8) }
        let secret = SymmetricKey(data: Array("hush".utf8))
        @Sendable func signed(_ body: String) -> HTTPFields {
            let mac = Array(HMAC<SHA256>.authenticationCode(for: Array(body.utf8), using: secret))
            return [
                HTTPField.Name("X-GitHub-Event")!: "push",
                HTTPField.Name("X-Hub-Signature-256")!: "sha256="
                    + mac.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
            ]
        }
        let webhook = "/kiln/v1/hooks/git"
        try await server.withClient { client in
            for body in [#"{"ref":"refs/heads/main"}"#, #"{"ref":"refs/heads/other"}"#, "not json"] {
                try await recorder.record(
                    client, webhook, webhook, .post, headers: signed(body), body: ByteBuffer(string: body))
            }
            try await recorder.record(client, webhook, webhook, .post, body: ByteBuffer(string: "{}"))
            try await recorder.record(
                client, webhook, webhook, .post, headers: [.contentLength: String(2 << 20)],
                body: ByteBuffer(repeating: 0x20, count: 2 << 20))
        }
    }

    @Test func everyAnswerMatchesTheDocumentAndEveryDocumentedResponseIsProduced() async throws {
        let recorder = Recorder()
        try await Self.webhookExchanges(recorder)
        let exchanges = try await Self.exchanges() + recorder.exchanges
        let report = try await OpenAPIChecker.check(exchanges)
        #expect(report.errors.isEmpty, "\(report.errors.joined(separator: "\n"))")
        let produced = Set(exchanges.map { "\($0.method) \($0.path) \($0.status)" })
        let missing = Set(report.documented).subtracting(produced).subtracting(Self.producedElsewhere)
        #expect(missing.isEmpty, "documented but never produced: \(missing.sorted())")
        #expect(report.documented.count > 300)
    }

    /// A control: answers that break the document are reported, each on its own, so that an empty report means
    /// something.
    @Test func answersThatBreakTheDocumentAreReported() async throws {
        let exchanges = try await Self.exchanges()
        func tampered(
            _ path: String, _ status: Int, where matches: ([String: Any]) -> Bool = { _ in true },
            _ change: (inout [String: Any]) -> Void
        ) throws -> OpenAPIChecker.Exchange {
            for var exchange in exchanges
            where exchange.path == path && exchange.status == status && exchange.method == "GET" {
                guard var object = try JSONSerialization.jsonObject(with: Data(exchange.body.utf8)) as? [String: Any],
                    matches(object)
                else { continue }
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
            try tampered("/kiln/v1/sync", 200, where: refused) {
                $0["lastRun"] = ["at": "2026-01-01 00:00", "result": NSNull()]
            },
            try tampered(status, 200, where: kind("ImageBuild")) { $0["conditions"] = nil },
            try tampered(status, 200, where: kind("ImageBuild")) {
                $0["executions"] = [["buildNumber": 1, "status": "done"]]
            },
            try tampered(status, 200, where: kind("Image")) { $0["state"] = "READY" },
            try tampered(status, 200, where: kind("VirtualMachine")) { $0["cpus"] = "2" },
            try tampered(status, 200, where: kind("VirtualMachine")) { $0["unknownField"] = true },
            try tampered(status, 404) { $0["code"] = "not-found" },
            undocumented, noAllow, wrongType
        ]
        for (i, exchange) in bad.enumerated() {
            let report = try await OpenAPIChecker.check([exchange])
            #expect(
                !report.errors.isEmpty,
                "tampered answer \(i) (\(exchange.method) \(exchange.path) \(exchange.status)) was not reported")
        }
    }
}
