import Foundation
import KilnTestSupport

/// Runs helper commands in tests (making archives, reading images, booting a guest).
enum Shell {
    struct Result {
        var status: Int32
        var output: String
    }

    @discardableResult
    static func run(_ command: String, environment: [String: String]? = nil) throws -> Result {
        let result = try ChildProcess.runSync(
            "/bin/sh", ["-c", command], environment: environment ?? [:],
            replacingEnvironment: environment != nil)
        return Result(
            status: result.signalled ? 128 + result.exitCode : result.exitCode, output: result.stdout + result.stderr)
    }

    /// Runs and requires success.
    @discardableResult
    static func check(_ command: String) throws -> String {
        let result = try run(command)
        guard result.status == 0 else { throw Failure(command: command, result: result) }
        return result.output
    }

    struct Failure: Error, CustomStringConvertible {
        var command: String
        var result: Result
        var description: String { "`\(command)` exited \(result.status): \(result.output)" }
    }

    static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Runs a Python 3 program with Debian's python3.
    @discardableResult
    static func python(_ program: String, _ arguments: [String] = []) throws -> String {
        try check("/usr/bin/python3 -c \(quoted(program)) " + arguments.map(quoted).joined(separator: " "))
    }
}
