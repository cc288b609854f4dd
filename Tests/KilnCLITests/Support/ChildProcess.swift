import Foundation

/// How a child process ended, with everything it wrote.
struct ProcessResult: Sendable, CustomStringConvertible {
    /// The exit status, or the signal number when `signalled`.
    var exitCode: Int32
    /// The process was ended by a signal (a SIGKILL from the test, or a time limit).
    var signalled: Bool
    var stdout: String
    var stderr: String

    var description: String {
        "exit \(signalled ? "by signal " : "")\(exitCode)\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)"
    }
}

/// A child process started by a test, whose output goes to files (never pipes: a daemon such as qemu that inherits a
/// pipe would keep it open and make a reader wait for ever).
final class RunningProcess: Sendable {
    let pid: Int32
    let command: String
    private let stdoutPath: String
    private let stderrPath: String
    private let ended: Task<(Int32, Bool), Never>

    /// Starts `executable` with `arguments`; `environment` is added to (or, with `cleanEnvironment`, replaces) this
    /// process's environment.
    init(_ executable: String, _ arguments: [String], directory: String? = nil, environment: [String: String] = [:],
         cleanEnvironment: Bool = false) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let base = cleanEnvironment ? ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
            : ProcessInfo.processInfo.environment
        process.environment = base.merging(environment) { $1 }
        let folder = FileManager.default.temporaryDirectory.path
        let stem = "\(folder)/kiln-cli-test-\(UUID().uuidString)"
        stdoutPath = stem + ".out"
        stderrPath = stem + ".err"
        FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        let (stream, continuation) = AsyncStream.makeStream(of: (Int32, Bool).self, bufferingPolicy: .bufferingNewest(1))
        process.terminationHandler = { ended in
            continuation.yield((ended.terminationStatus, ended.terminationReason == .uncaughtSignal))
            continuation.finish()
        }
        command = ([executable] + arguments).joined(separator: " ")
        do {
            try process.run()
        } catch {
            try? FileManager.default.removeItem(atPath: stdoutPath)
            try? FileManager.default.removeItem(atPath: stderrPath)
            throw error
        }
        pid = process.processIdentifier
        ended = Task {
            for await status in stream { return status }
            return (-1, true)
        }
    }

    /// Sends a signal (SIGKILL by default) to the process.
    func kill(_ signal: Int32 = SIGKILL) {
        _ = Foundation.kill(pid, signal)
    }

    /// Waits for the process to end (killing it after `timeout`) and returns what it wrote; its output files go.
    func wait(timeout: Duration = .seconds(600)) async -> ProcessResult {
        let pid = self.pid
        let watchdog = Task {
            try await Task.sleep(for: timeout)
            _ = Foundation.kill(pid, SIGKILL)
        }
        let (code, signalled) = await ended.value
        watchdog.cancel()
        let out = (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: stdoutPath)
        try? FileManager.default.removeItem(atPath: stderrPath)
        return ProcessResult(exitCode: code, signalled: signalled, stdout: out, stderr: err)
    }
}

enum ChildProcess {
    /// Runs a program to its end (at most `timeout`) and returns its exit code and output.
    static func run(_ executable: String, _ arguments: [String], directory: String? = nil,
                    environment: [String: String] = [:], cleanEnvironment: Bool = false,
                    timeout: Duration = .seconds(600)) async throws -> ProcessResult {
        let process = try RunningProcess(executable, arguments, directory: directory, environment: environment,
                                         cleanEnvironment: cleanEnvironment)
        return await process.wait(timeout: timeout)
    }

    /// Runs a shell command line with `/bin/sh -c` and requires exit 0; returns its stdout.
    @discardableResult
    static func shell(_ command: String, directory: String? = nil) async throws -> String {
        let result = try await run("/bin/sh", ["-c", command], directory: directory, timeout: .seconds(300))
        guard result.exitCode == 0, !result.signalled else {
            throw CommandFailure(command: command, result: result)
        }
        return result.stdout
    }

    /// Quotes a word for `/bin/sh`.
    static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// A helper command that did not succeed.
struct CommandFailure: Error, CustomStringConvertible {
    var command: String
    var result: ProcessResult
    var description: String { "`\(command)` failed: \(result)" }
}
