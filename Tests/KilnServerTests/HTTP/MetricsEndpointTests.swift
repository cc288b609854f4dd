import Foundation
import Hummingbird
import HummingbirdTesting
import KilnServer
import Testing

/// `GET /metrics`: swift-metrics through swift-prometheus, in the Prometheus text exposition format (0.0.4).
@Suite struct MetricsEndpointTests {
    /// One line of the text format: a comment, `# HELP`, `# TYPE` or a sample `name{label="value",…} value`.
    enum Line: Equatable {
        case type(name: String, type: String)
        case help(name: String)
        case sample(name: String, labels: [String: String], value: Double)
    }

    struct FormatError: Error, CustomStringConvertible {
        var description: String
    }

    /// A strict reader of the exposition format: any line it cannot read is an error.
    static func parse(_ text: String) throws -> [Line] {
        guard text.isEmpty || text.hasSuffix("\n") else {
            throw FormatError(description: "the text does not end with a line feed")
        }
        var lines: [Line] = []
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            let line = String(raw)
            if let m = line.wholeMatch(
                of: /# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)/)
            {
                lines.append(.type(name: String(m.1), type: String(m.2)))
            } else if let m = line.wholeMatch(of: /# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .*/) {
                lines.append(.help(name: String(m.1)))
            } else if let m = line.wholeMatch(of: /([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: -?\d+)?/) {
                guard
                    let value = Double(String(m.3)) ?? ["+Inf": .infinity, "-Inf": -.infinity, "NaN": .nan][String(m.3)]
                else {
                    throw FormatError(description: "not a sample value: \(line)")
                }
                lines.append(
                    .sample(name: String(m.1), labels: try labels(m.2.map(String.init) ?? "", line: line), value: value)
                )
            } else if !line.isEmpty, !line.hasPrefix("#") {
                throw FormatError(description: "not a line of the text format: \(line)")
            }
        }
        return lines
    }

    static func labels(_ text: String, line: String) throws -> [String: String] {
        var out: [String: String] = [:]
        var rest = Substring(text)
        while !rest.isEmpty {
            guard let m = rest.prefixMatch(of: /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\["\\n])*)",?/) else {
                throw FormatError(description: "bad labels in \(line)")
            }
            out[String(m.1)] = String(m.2)
            rest = rest[m.range.upperBound...]
        }
        return out
    }

    @Test func servesTheTextFormatCountingRequestsByRouteMethodAndStatus() async throws {
        let server = try await TestServer.make()
        try await server.withClient { client in
            _ = try await client.execute(uri: "/kiln/v1/sync", method: .get)
            _ = try await client.execute(uri: "/kiln/v1/status/image/nope", method: .get)
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/plain; version=0.0.4")
            let lines = try Self.parse(response.text)

            // Every sample belongs to a family whose TYPE came before it.
            var typed: [String: String] = [:]
            for line in lines {
                switch line {
                case .type(let name, let type): typed[name] = type
                case .sample(let name, _, _):
                    let family = name.replacing(/_(bucket|sum|count)$/, with: "")
                    #expect(typed[name] != nil || typed[family] != nil, "sample \(name) before its # TYPE")
                case .help: break
                }
            }
            #expect(typed["hb_requests"] == "counter")
            #expect(typed["http_server_request_duration"] == "histogram")

            func requests(route: String, status: String) -> Double? {
                lines.compactMap { line -> Double? in
                    guard case .sample("hb_requests", let labels, let value) = line, labels["http_route"] == route,
                        labels["http_request_method"] == "GET", labels["http_response_status_code"] == status
                    else { return nil }
                    return value
                }.first
            }
            // The registry is shared by every test of the process: other tests add to the counts.
            #expect((requests(route: "/kiln/v1/sync", status: "200") ?? 0) >= 1)
            #expect((requests(route: "/kiln/v1/status/{kind}/{name}", status: "404") ?? 0) >= 1)

            // Executions by status, from the read model: the fixture has one of each of three.
            func executions(_ status: String) -> Double? {
                lines.compactMap { line -> Double? in
                    guard case .sample("kiln_executions", let labels, let value) = line, labels["status"] == status
                    else { return nil }
                    return value
                }.first
            }
            #expect(typed["kiln_executions"] == "gauge")
            #expect(executions("running") != nil && executions("success") != nil && executions("failed") != nil)
        }
    }

    @Test func theReaderRefusesWhatIsNotTheTextFormat() throws {
        #expect(throws: FormatError.self) { try Self.parse("hb_requests 1") }
        #expect(throws: FormatError.self) { try Self.parse("hb.requests 1\n") }
        #expect(throws: FormatError.self) { try Self.parse("hb_requests{route=/x} 1\n") }
        #expect(throws: FormatError.self) { try Self.parse("hb_requests{route=\"/x\"} one\n") }
        #expect(
            try Self.parse("# TYPE a counter\na{b=\"c\\\"d\"} 2\n")
                == [.type(name: "a", type: "counter"), .sample(name: "a", labels: ["b": "c\\\"d"], value: 2)])
    }
}
