import ArgumentParser
import Foundation

/// `kiln-bench api`: the MWS images endpoint under `wrk`, beside nginx serving the same bytes from a file in the same
/// run; a MongoDB-style query over 10,000 and 50,000 images, answered from the response cache and computed afresh; and
/// the server's memory while it holds them.
struct APIBenchmark: FigureBenchmark {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "GET /rest/images under wrk against nginx on the same bytes, a query at two catalog sizes, and RSS.")

    @Option(help: "Images in the main catalog.")
    var images: Int = 10_000

    @Option(help: "Images in the large catalog, for the query's growth.")
    var large: Int = 50_000

    @Option(help: "Seconds of each wrk run.")
    var seconds: Int = 15

    static let sorted = "/rest/images?max=25&sort=%7B%22name%22%3A1%7D"
    static let query =
        "/rest/images?query=" + #"{"osType":"linux","extensions.xcat.os":{"$in":["centos","debian"]}}"#
        .addingPercentEncoding(withAllowedCharacters: .alphanumerics)!

    static let quickArguments = ["--images", "1000", "--large", "3000", "--seconds", "3"]

    func run() async throws {
        FigureFormat.print(try await figures())
    }

    func figures() async throws -> [Figure] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "kiln-bench-api-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        print("generating and serving \(images) images …")
        let small = try await ServedCatalog.start(images: images, folder: folder + "/small")
        var figures: [Figure] = []
        do {
            let body = try await small.get(Self.sorted)
            let nginx = try await NginxReference.start(
                serving: body, at: "/rest/images", contentType: "application/json",
                folder: folder + "/nginx")
            let kiln = try await WrkRun.run(small.url + Self.sorted, seconds: seconds)
            let reference = try await WrkRun.run("http://127.0.0.1:\(nginx.port)" + Self.sorted, seconds: seconds)
            await nginx.stop()
            let bare = try await BareServerReference.start(
                serving: body, at: "/rest/images", folder: folder + "/bare")
            let floor: WrkRun
            do {
                floor = try await WrkRun.run(bare.url + Self.sorted, seconds: seconds)
                await bare.stop()
            } catch {
                await bare.stop()
                throw error
            }
            let endpoint = "GET /rest/images?max=25&sort={\"name\":1}, \(images) images"
            let wrk = "wrk -t2 -c50 -d\(seconds)s"
            let frameworkFloor =
                "; Hummingbird alone (one route, no middleware) serving the same bytes: "
                + "\(Int(floor.requestsPerSecond.rounded())) req/s, "
                + String(format: "%.2f", floor.requestsPerSecond / reference.requestsPerSecond) + "× nginx, so Kiln is "
                + String(format: "%.2f", kiln.requestsPerSecond / floor.requestsPerSecond) + "× its framework's floor"
            figures.append(
                Figure(
                    "api", "\(endpoint): throughput", unit: .requestsPerSecond, kiln: kiln.requestsPerSecond, runs: 1,
                    reference: .init(
                        name: "nginx serving the same bytes from a file", value: reference.requestsPerSecond, runs: 1),
                    target: .ratioAtLeast(0.6),
                    note: wrk + frameworkFloor + (kiln.errors.map { "; Kiln: \($0)" } ?? "")))
            figures.append(
                Figure(
                    "api", "\(endpoint): p99 latency", unit: .milliseconds, kiln: kiln.p99.milliseconds, runs: 1,
                    reference: .init(name: "nginx, same bytes", value: reference.p99.milliseconds, runs: 1),
                    target: .atMost(10), note: wrk))
            figures += try await queries(small, label: images)
            let webhook = Measurement(samples: try await WebhookLatency.measure(small, runs: 5))
            figures.append(
                Figure(
                    "api", "push webhook to a one-file commit applied, \(images) images", unit: .milliseconds,
                    kiln: webhook.milliseconds, runs: webhook.runs,
                    note: "without the webhook a push waits for the next pass: half of --interval on average"))
            let memory = small.memory
            figures.append(
                Figure(
                    "api", "RSS of kiln serve holding \(images) images", unit: .megabytes,
                    kiln: Double(memory.resident) / 1_000_000, runs: 1, target: .atMost(150),
                    note: "peak \(Self.megabytes(memory.peak))"))
            await small.stop()
        } catch {
            await small.stop()
            throw error
        }
        print("generating and serving \(large) images …")
        let big = try await ServedCatalog.start(images: large, folder: folder + "/large")
        do {
            figures += try await queries(big, label: large)
            let memory = big.memory
            figures.append(
                Figure(
                    "api", "RSS of kiln serve holding \(large) images", unit: .megabytes,
                    kiln: Double(memory.resident) / 1_000_000, runs: 1, note: "peak \(Self.megabytes(memory.peak))"))
            await big.stop()
        } catch {
            await big.stop()
            throw error
        }
        return figures
    }

    /// The issue's query, repeated (answered from the response cache) and made new on every request (a new `offset`
    /// each time, so every answer is computed from the read model).
    func queries(_ served: ServedCatalog, label count: Int) async throws -> [Figure] {
        let repeated = try await WrkRun.run(served.url + Self.query, seconds: seconds)
        let fresh = try await Self.freshQuery(served, seconds: seconds)
        let query = "query {osType: linux, extensions.xcat.os $in [centos, debian]}, \(count) images"
        return [
            Figure(
                "api", "\(query), repeated: p50", unit: .milliseconds, kiln: repeated.p50.milliseconds, runs: 1,
                note: "p99 \(Self.format(repeated.p99)), \(Self.rate(repeated.requestsPerSecond)) req/s"),
            Figure(
                "api", "\(query), computed afresh each time: p50", unit: .milliseconds, kiln: fresh.p50.milliseconds,
                runs: 1,
                target: count == large ? .atMost(20) : nil,
                note: "p99 \(Self.format(fresh.p99)), \(Self.rate(fresh.requestsPerSecond)) req/s")
        ]
    }

    /// The issue's query under `wrk` with a new `offset` on every request, so that every answer is computed from the
    /// read model rather than taken from the response cache.
    static func freshQuery(
        _ served: ServedCatalog, seconds: Int, threads: Int = 2, connections: Int = 50
    ) async throws -> WrkRun {
        let script = FileManager.default.temporaryDirectory.appendingPathComponent(
            "kiln-bench-\(UUID().uuidString).lua"
        ).path
        try """
        counter = 0
        request = function()
          counter = counter + 1
          return wrk.format(nil, "\(Self.query)&offset=" .. (counter % 1000000))
        end
        """.write(toFile: script, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: script) }
        return try await WrkRun.run(
            served.url + Self.query, seconds: seconds, threads: threads, connections: connections, script: script)
    }

    static func rate(_ value: Double) -> String { String(Int(value.rounded())) }

    static func megabytes(_ bytes: Int) -> String { "\(bytes / 1_000_000) MB" }

    static func format(_ duration: Duration) -> String {
        let ms = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        return String(format: ms < 1 ? "%.2f ms" : "%.1f ms", ms)
    }
}
