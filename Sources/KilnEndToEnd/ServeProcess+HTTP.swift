import Foundation
import KilnSpec
import KilnTestSupport

/// Requests to a real `kiln serve` with curl, as a client on the network sends them.
extension ServeProcess {
    /// A GET (or another method) and its answer: status, headers (lower-case names) and body.
    public func request(
        _ path: String, token: String? = nil, headers: [String] = [], method: String = "GET",
        body: String? = nil
    ) async throws -> (status: Int, headers: [String: String], body: String) {
        var arguments = ["-s", "-S", "-X", method, "-D", "-", "--max-time", "120"]
        if let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
        for header in headers { arguments += ["-H", header] }
        if let body { arguments += ["--data-binary", body] }
        let result = try await ChildProcess.run(
            "/usr/bin/env", ["curl"] + arguments + [url + path], timeout: .seconds(180))
        guard result.exitCode == 0 else { throw CommandFailure(command: "curl \(path)", result: result) }
        let parts = result.stdout.components(separatedBy: "\r\n\r\n")
        let head = parts.first ?? ""
        var fields: [String: String] = [:]
        for line in head.split(separator: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
        return (status, fields, parts.dropFirst().joined(separator: "\r\n\r\n"))
    }

    /// A GET answered 200 with JSON.
    public func json(_ path: String, token: String? = nil) async throws -> SpecValue {
        let answer = try await request(path, token: token)
        guard answer.status == 200, let value = SpecValue(json: answer.body) else {
            throw Failure(description: "GET \(path): \(answer.status) \(answer.body)")
        }
        return value
    }

    /// Polls until `condition` holds; the deadline only catches a real hang.
    public func wait(
        for what: String, timeout: Duration = .seconds(600), _ condition: () async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await !condition() {
            guard ContinuousClock.now < deadline else {
                throw Failure(
                    description: "\(what) did not happen within \(timeout); the server's log:\n\(process.output.stderr)"
                )
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
