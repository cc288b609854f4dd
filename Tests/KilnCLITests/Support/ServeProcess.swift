import Foundation
import KilnSpec
import KilnTestSupport

/// A real `kiln serve` on a free loopback port, read with curl, stopped by its pid.
final class ServeProcess: Sendable {
    let process: RunningProcess
    let port: Int
    let token: String?

    /// Starts `kiln serve` with `arguments` (plus `--listen 127.0.0.1:0`) and waits until it says where it listens.
    init(_ arguments: [String], token: String?) async throws {
        process = try KilnBinary.start(["serve", "--listen", "127.0.0.1:0"] + arguments)
        self.token = token
        var port: Int?
        let deadline = ContinuousClock.now + .seconds(120)
        while port == nil, ContinuousClock.now < deadline {
            let log = process.stderrSoFar
            if let match = log.firstMatch(of: /listening on http:\/\/127\.0\.0\.1:(\d+)/) { port = Int(match.1) }
            if port == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        guard let port else {
            process.kill()
            throw CommandFailure(command: process.command, result: await process.wait())
        }
        self.port = port
    }

    var base: String { "http://127.0.0.1:\(port)" }

    /// `curl` a path: status, headers (lower-case names) and body.
    func get(_ path: String, headers: [String] = [], method: String = "GET", body: String? = nil,
             authorized: Bool = true) async throws -> (status: Int, headers: [String: String], body: String) {
        var arguments = ["-s", "-S", "-X", method, "-D", "-", "--max-time", "120"]
        if authorized, let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
        for header in headers { arguments += ["-H", header] }
        if let body { arguments += ["--data-binary", body] }
        let result = try await ChildProcess.run("/usr/bin/env", ["curl"] + arguments + [base + path], timeout: .seconds(180))
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

    /// GET as JSON.
    func json(_ path: String) async throws -> SpecValue {
        let answer = try await get(path)
        guard answer.status == 200, let value = SpecValue(json: answer.body) else {
            throw ServeFailure(description: "GET \(path): \(answer.status) \(answer.body)")
        }
        return value
    }

    /// Polls until `condition` holds; a deadline only catches a real hang.
    func wait(for what: String, timeout: Duration = .seconds(600), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await !condition() {
            guard ContinuousClock.now < deadline else {
                throw ServeFailure(description: "\(what) did not happen within \(timeout); the server's log:\n\(process.stderrSoFar)")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// SIGTERM, then the process's end.
    func stop() async -> ProcessResult {
        process.kill(SIGTERM)
        return await process.wait(timeout: .seconds(120))
    }

    struct ServeFailure: Error, CustomStringConvertible {
        var description: String
    }
}
