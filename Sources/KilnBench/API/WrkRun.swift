import Foundation
import KilnTestSupport

/// One `wrk` run (Debian's wrk, the load generator both sides of a comparison share): requests per second and
/// latency percentiles.
struct WrkRun {
    var requestsPerSecond: Double
    var p50: Duration
    var p99: Duration
    var errors: String?

    /// `wrk -t2 -c50 -dN --latency URL`, with an optional Lua script.
    static func run(
        _ url: String, seconds: Int, threads: Int = 2, connections: Int = 50, script: String? = nil
    ) async throws -> WrkRun {
        var arguments = ["wrk", "-t\(threads)", "-c\(connections)", "-d\(seconds)s", "--latency"]
        if let script { arguments += ["-s", script] }
        let result = try await ChildProcess.run("/usr/bin/env", arguments + [url], timeout: .seconds(seconds + 120))
        guard result.exitCode == 0 else { throw Shell.Failure(description: "wrk failed: \(result)") }
        return try parse(result.stdout)
    }

    static func parse(_ text: String) throws -> WrkRun {
        func line(_ prefix: String) -> Substring? {
            text.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(prefix) }
        }
        guard
            let rate = line("Requests/sec:").flatMap({
                Double($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces))
            }),
            let p50 = line("50%").flatMap({
                duration(String($0.split(separator: " ", omittingEmptySubsequences: true)[1]))
            }),
            let p99 = line("99%").flatMap({
                duration(String($0.split(separator: " ", omittingEmptySubsequences: true)[1]))
            })
        else {
            throw Shell.Failure(description: "cannot read wrk's output:\n\(text)")
        }
        let errors = line("Socket errors:").map(String.init) ?? line("Non-2xx or 3xx responses:").map(String.init)
        return WrkRun(requestsPerSecond: rate, p50: p50, p99: p99, errors: errors)
    }

    /// `850.00us`, `1.23ms`, `2.00s`.
    static func duration(_ text: String) -> Duration? {
        for (unit, scale) in [("us", 1e-6), ("ms", 1e-3), ("s", 1.0)] where text.hasSuffix(unit) {
            guard let value = Double(text.dropLast(unit.count)) else { return nil }
            return .nanoseconds(Int64(value * scale * 1e9))
        }
        return nil
    }
}
