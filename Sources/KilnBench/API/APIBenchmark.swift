import ArgumentParser
import Foundation

/// `kiln-bench api`: the MWS images endpoint under `wrk`, beside nginx serving the same bytes from a file in the same
/// run; a MongoDB-style query over 10,000 and 50,000 images, answered from the response cache and computed afresh; and
/// the server's memory while it holds them.
struct APIBenchmark: AsyncParsableCommand {
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
    static let query = "/rest/images?query=" + #"{"osType":"linux","extensions.xcat.os":{"$in":["centos","debian"]}}"#
        .addingPercentEncoding(withAllowedCharacters: .alphanumerics)!

    func run() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-bench-api-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        print("generating and serving \(images) images …")
        let small = try await ServedCatalog.start(images: images, folder: folder + "/small")
        var report: [String] = []
        do {
            let body = try await small.get(Self.sorted)
            let nginx = try await NginxReference.start(serving: body, at: "/rest/images", contentType: "application/json",
                                                       folder: folder + "/nginx")
            let kiln = try await WrkRun.run(small.url + Self.sorted, seconds: seconds)
            let reference = try await WrkRun.run("http://127.0.0.1:\(nginx.port)" + Self.sorted, seconds: seconds)
            await nginx.stop()
            let ratio = kiln.requestsPerSecond / reference.requestsPerSecond
            report.append("GET /rest/images?max=25&sort={\"name\":1}, \(images) images: \(Self.rate(kiln.requestsPerSecond)) req/s, "
                + "p99 \(Self.format(kiln.p99)) | nginx, same bytes: \(Self.rate(reference.requestsPerSecond)) req/s, "
                + "p99 \(Self.format(reference.p99)) | \(String(format: "%.2f", ratio))× (target ≥ 0.6×: \(ratio >= 0.6 ? "met" : "NOT met")), "
                + "p99 ≤ 10 ms: \(kiln.p99 <= .milliseconds(10) ? "met" : "NOT met")")
            report += try await queries(small, label: "\(images)")
            let webhook = Measurement(samples: try await WebhookLatency.measure(small, runs: 5))
            report.append("push webhook to commit applied, \(images) images, one file changed: median \(Self.format(webhook.median)) "
                + "of 5 (without it, a push waits for the next pass: half of --interval on average, 15 s at the default 30 s)")
            let memory = small.memory
            report.append("RSS of kiln serve holding \(images) images: \(Self.megabytes(memory.resident)) (peak \(Self.megabytes(memory.peak))); "
                + "target ≤ 150 MB: \(memory.resident <= 150_000_000 ? "met" : "NOT met")")
            await small.stop()
        } catch {
            await small.stop()
            throw error
        }
        print("generating and serving \(large) images …")
        let big = try await ServedCatalog.start(images: large, folder: folder + "/large")
        do {
            report += try await queries(big, label: "\(large)")
            let memory = big.memory
            report.append("RSS of kiln serve holding \(large) images: \(Self.megabytes(memory.resident)) (peak \(Self.megabytes(memory.peak)))")
            await big.stop()
        } catch {
            await big.stop()
            throw error
        }
        print("")
        for line in report { print(line) }
    }

    /// The issue's query, repeated (answered from the response cache) and made new on every request (a new `offset`
    /// each time, so every answer is computed from the read model).
    func queries(_ served: ServedCatalog, label: String) async throws -> [String] {
        let repeated = try await WrkRun.run(served.url + Self.query, seconds: seconds)
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-bench-\(UUID().uuidString).lua").path
        try """
            counter = 0
            request = function()
              counter = counter + 1
              return wrk.format(nil, "\(Self.query)&offset=" .. (counter % 1000000))
            end
            """.write(toFile: script, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: script) }
        let fresh = try await WrkRun.run(served.url + Self.query, seconds: seconds, script: script)
        let target = label == "\(large)" ? (fresh.p50 <= .milliseconds(20) ? " (p50 ≤ 20 ms: met)" : " (p50 ≤ 20 ms: NOT met)") : ""
        return [
            "query {osType: linux, extensions.xcat.os $in [centos, debian]}, \(label) images, repeated: p50 \(Self.format(repeated.p50)), "
                + "p99 \(Self.format(repeated.p99)), \(Self.rate(repeated.requestsPerSecond)) req/s",
            "  the same query computed afresh each time: p50 \(Self.format(fresh.p50)), p99 \(Self.format(fresh.p99)), "
                + "\(Self.rate(fresh.requestsPerSecond)) req/s\(target)",
        ]
    }

    static func rate(_ value: Double) -> String { String(Int(value.rounded())) }

    static func megabytes(_ bytes: Int) -> String { "\(bytes / 1_000_000) MB" }

    static func format(_ duration: Duration) -> String {
        let ms = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        return String(format: ms < 1 ? "%.2f ms" : "%.1f ms", ms)
    }
}
