import Crypto
import Foundation
import KilnSpec
import KilnTestSupport

/// The time from a signed push webhook to the pushed commit applied, on a served catalog whose loop would otherwise
/// wait an hour: each run commits a one-file change, POSTs a GitHub push event, and polls `/kiln/v1/sync`.
enum WebhookLatency {
    static func measure(_ served: ServedCatalog, runs: Int) async throws -> [Duration] {
        var samples: [Duration] = []
        let file = "images/0/images-0.yaml"
        for run in 0..<runs {
            let path = "\(served.repo)/\(file)"
            let text = try String(contentsOfFile: path, encoding: .utf8)
            try text.replacingOccurrences(of: "for the API benchmark", with: "for the API benchmark, run \(run)")
                .write(toFile: path, atomically: true, encoding: .utf8)
            try Shell.run([
                "git", "-C", served.repo, "-c", "user.name=Kiln Bench", "-c", "user.email=bench@example.org",
                "commit", "-q", "-am", "webhook run \(run)"
            ])
            let head = try Shell.text(["git", "-C", served.repo, "rev-parse", "HEAD"]).trimmingCharacters(
                in: .whitespacesAndNewlines)
            let body = #"{"ref":"refs/heads/main","after":"\#(head)"}"#
            let mac = HMAC<SHA256>.authenticationCode(
                for: Array(body.utf8), using: SymmetricKey(data: Array(ServedCatalog.secret.utf8)))
            let signature = Array(mac).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
            let started = ContinuousClock.now
            let post = try await ChildProcess.run(
                "/usr/bin/env",
                [
                    "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-H", "X-GitHub-Event: push",
                    "-H", "X-Hub-Signature-256: sha256=\(signature)", "-H", "Content-Type: application/json",
                    "--data-binary", body, served.url + "/kiln/v1/hooks/git"
                ], timeout: .seconds(60))
            guard post.stdout == "202" else { throw Shell.Failure(description: "the webhook answered \(post.stdout)") }
            let deadline = ContinuousClock.now + .seconds(600)
            while true {
                let sync = SpecValue(json: String(decoding: try await served.get("/kiln/v1/sync"), as: UTF8.self))
                if sync?["lastApplied"]?["commit"]?.string == head { break }
                guard ContinuousClock.now < deadline else {
                    throw Shell.Failure(description: "commit \(head) was not applied within 600 s of its push webhook")
                }
                try await Task.sleep(for: .milliseconds(5))
            }
            samples.append(ContinuousClock.now - started)
        }
        return samples
    }
}
