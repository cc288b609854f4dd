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
///
/// Started with `posix_spawn` and reaped with `waitpid` rather than through Foundation's `Process`, whose `run()`
/// crashed (SIGSEGV in memcpy) when many tests started processes at once.
final class RunningProcess: Sendable {
    let pid: Int32
    let command: String
    private let stdoutPath: String
    private let stderrPath: String
    private let ended: Task<(Int32, Bool), Never>

    /// Starts `executable` with `arguments` in `directory`; `environment` is added to (or, with `cleanEnvironment`,
    /// replaces) this process's environment.
    init(_ executable: String, _ arguments: [String], directory: String? = nil, environment: [String: String] = [:],
         cleanEnvironment: Bool = false) throws {
        let base = cleanEnvironment ? ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
            : ProcessInfo.processInfo.environment
        let variables = base.merging(environment) { $1 }.map { "\($0.key)=\($0.value)" }
        let stem = "\(FileManager.default.temporaryDirectory.path)/kiln-cli-test-\(UUID().uuidString)"
        stdoutPath = stem + ".out"
        stderrPath = stem + ".err"
        command = ([executable] + arguments).joined(separator: " ")
        // A working folder is set by a shell that then execs the program (same pid).
        var argv = [executable] + arguments
        var program = executable
        if let directory {
            program = "/bin/sh"
            argv = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", directory] + argv
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = variables.map { strdup($0) } + [nil]
        defer {
            cArguments.forEach { free($0) }
            cEnvironment.forEach { free($0) }
        }
        var child: pid_t = 0
        let code = posix_spawn(&child, program, &actions, nil, cArguments, cEnvironment)
        guard code == 0 else { throw SpawnFailure(command: command, code: code) }
        pid = child
        ended = Task {
            var status: Int32 = 0
            while true {
                let reaped = waitpid(child, &status, WNOHANG)
                if reaped == child { break }
                if reaped < 0, errno != EINTR { return (-1, true) }
                try? await Task.sleep(for: .milliseconds(15))
            }
            let signal = status & 0x7F
            return signal == 0 ? ((status >> 8) & 0xFF, false) : (signal, true)
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

/// `posix_spawn` failed.
struct SpawnFailure: Error, CustomStringConvertible {
    var command: String
    var code: Int32
    var description: String { "cannot start \(command): \(String(cString: strerror(code)))" }
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
