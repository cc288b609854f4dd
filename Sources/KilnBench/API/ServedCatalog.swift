import Foundation
import KilnSpec
import KilnTestSupport

/// A real `kiln serve` (the binary next to `kiln-bench`) holding a generated repository of catalog Images, once its
/// first pass has put every image in the catalog and the API's read model, and has ended.
struct ServedCatalog {
    let process: RunningProcess
    let url: String
    let images: Int
    let repo: String
    /// The push webhook's secret.
    static let secret = "kiln-bench-webhook"

    static func start(images: Int, folder: String) async throws -> ServedCatalog {
        let repo = folder + "/repo"
        try ImageRepositoryGenerator(images: images).generate(in: repo)
        try secret.write(toFile: folder + "/secret", atomically: true, encoding: .utf8)
        let kiln = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("kiln").path
        let process = try RunningProcess(
            kiln,
            [
                "serve", "--repo", repo, "--data-dir", folder + "/data", "--listen", "127.0.0.1:0",
                "--interval", "1h", "--rate-limit", "0", "--log-level", "warning",
                "--webhook-secret-file", folder + "/secret"
            ])
        guard
            await process.waitForOutput(
                timeout: .seconds(600), { _, err in err.contains("listening on http://127.0.0.1:") }),
            let match = process.output.stderr.firstMatch(of: /listening on (http:\/\/127\.0\.0\.1:\d+)/)
        else {
            process.kill()
            throw Shell.Failure(description: "kiln serve did not start: \(await process.wait())")
        }
        let served = ServedCatalog(process: process, url: String(match.1), images: images, repo: repo)
        let deadline = ContinuousClock.now + .seconds(1800)
        while ContinuousClock.now < deadline {
            // Ready means the first pass is over, status files included: measuring while it still writes 10,000 of
            // them would measure the disk.
            if let body = try? await served.get("/rest/images?max=1&fields=id"),
                SpecValue(json: String(decoding: body, as: UTF8.self))?["totalCount"]?.int == images,
                (try? await served.get("/readyz")) != nil
            {
                return served
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        await served.stop()
        throw Shell.Failure(description: "kiln serve did not take in \(images) images")
    }

    func get(_ path: String) async throws -> Data {
        let result = try await ChildProcess.run(
            "/usr/bin/env", ["curl", "-s", "-f", url + path], timeout: .seconds(120))
        guard result.exitCode == 0 else { throw Shell.Failure(description: "GET \(path): \(result)") }
        return Data(result.stdout.utf8)
    }

    /// Resident and peak resident memory of the server, in bytes (from /proc).
    var memory: (resident: Int, peak: Int) {
        let status = (try? String(contentsOfFile: "/proc/\(process.pid)/status", encoding: .utf8)) ?? ""
        func field(_ name: String) -> Int {
            let line = status.split(separator: "\n").first { $0.hasPrefix(name + ":") } ?? ""
            return (Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0)
                * 1024
        }
        return (field("VmRSS"), field("VmHWM"))
    }

    func stop() async {
        process.kill(SIGTERM)
        _ = await process.wait(timeout: .seconds(120))
    }
}
