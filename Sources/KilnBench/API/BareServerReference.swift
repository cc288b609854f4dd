import Foundation
import KilnTestSupport

/// A running `kiln-bench bare-server` (this binary, started as a child and stopped by its pid).
struct BareServerReference {
    let process: RunningProcess
    let url: String

    static func start(serving body: Data, at path: String, folder: String) async throws -> BareServerReference {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let file = folder + "/body"
        try body.write(to: URL(fileURLWithPath: file))
        let bench = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
        let process = try RunningProcess(bench, ["bare-server", "--body", file, "--path", path])
        guard
            await process.waitForOutput(timeout: .seconds(60), { out, _ in out.contains("listening on http://") }),
            let match = process.output.stdout.firstMatch(of: /listening on (http:\/\/127\.0\.0\.1:\d+)/)
        else {
            process.kill()
            throw Shell.Failure(description: "kiln-bench bare-server did not start: \(await process.wait())")
        }
        return BareServerReference(process: process, url: String(match.1))
    }

    func stop() async {
        process.kill(SIGTERM)
        _ = await process.wait(timeout: .seconds(30))
    }
}
