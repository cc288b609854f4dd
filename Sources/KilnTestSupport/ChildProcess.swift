import Foundation
import Synchronization

/// How a child process ended, with everything it wrote.
public struct ProcessResult: Sendable, CustomStringConvertible {
    /// The exit status, or the signal number when `signalled`.
    public var exitCode: Int32
    /// The process was ended by a signal (a SIGKILL from the test, or a time limit).
    public var signalled: Bool
    public var stdout: String
    public var stderr: String

    /// The shell's convention in one number: the exit code, or 128 + the signal.
    public var status: Int32 { signalled ? 128 + exitCode : exitCode }

    public var description: String {
        "exit \(signalled ? "by signal " : "")\(exitCode)\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)"
    }
}

/// A child process started by a test, whose output goes to files (never pipes: a daemon such as qemu that inherits a
/// pipe would keep it open and make a reader wait for ever).
///
/// Started with `posix_spawn` and reaped with `waitpid` rather than through Foundation's `Process`, whose `run()`
/// crashed (SIGSEGV in memcpy) when many tests started processes at once.
public final class RunningProcess: Sendable {
    public let pid: Int32
    public let command: String
    private let stdoutPath: String
    private let stderrPath: String
    private let ended: Task<(Int32, Bool), Never>
    private let state: ReapState

    /// Whether the child was reaped. Once it is, its pid may name another process, so no signal goes to it: the flag
    /// is set under the lock that reaping and signalling both hold, so a signal never reaches a pid the kernel has
    /// already given to someone else.
    final class ReapState: Sendable {
        let reaped = Mutex(false)
    }

    /// Starts `executable` with `arguments` in `directory`; `environment` is added to (or, with `cleanEnvironment`,
    /// replaces) this process's environment.
    public init(
        _ executable: String, _ arguments: [String], directory: String? = nil, environment: [String: String] = [:],
        cleanEnvironment: Bool = false
    ) throws {
        let stem = "\(FileManager.default.temporaryDirectory.path)/kiln-child-\(UUID().uuidString)"
        stdoutPath = stem + ".out"
        stderrPath = stem + ".err"
        command = ([executable] + arguments).joined(separator: " ")
        let child = try ChildProcess.spawn(
            executable, arguments, directory: directory,
            environment: ChildProcess.environment(environment, clean: cleanEnvironment),
            stdin: "/dev/null", stdout: stdoutPath, stderr: stderrPath)
        pid = child
        let state = ReapState()
        self.state = state
        ended = Task {
            while true {
                // Reaped (the status), gone without a status (nil), or still running (.some(nil)).
                let outcome: Int32?? = state.reaped.withLock { reaped in
                    var status: Int32 = 0
                    let result = waitpid(child, &status, WNOHANG)
                    if result == child {
                        reaped = true
                        return .some(status)
                    }
                    if result < 0, errno != EINTR {
                        reaped = true
                        return nil
                    }
                    return .some(nil)
                }
                switch outcome {
                case .none: return (-1, true)
                case .some(.some(let status)):
                    let signal = status & 0x7F
                    return signal == 0 ? ((status >> 8) & 0xFF, false) : (signal, true)
                case .some(.none):
                    try? await Task.sleep(for: .milliseconds(15))
                }
            }
        }
    }

    /// What the process has written so far (its output files, read while it runs).
    public var output: (stdout: String, stderr: String) {
        (Self.text(stdoutPath), Self.text(stderrPath))
    }

    /// Waits until `condition` holds for the output so far, or the process ends, or `deadline` passes (a hang), or the
    /// test is cancelled (its time limit); returns whether it held. Polls the output files: the child writes them,
    /// nothing signals a change.
    public func waitForOutput(
        timeout: Duration = .seconds(300),
        _ condition: (_ stdout: String, _ stderr: String) -> Bool
    ) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, !Task.isCancelled {
            let (out, err) = output
            if condition(out, err) { return true }
            if isReaped || Foundation.kill(pid, 0) != 0 || Self.isZombie(pid) {
                let (out, err) = output
                return condition(out, err)
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    /// A file's bytes as text; bytes that are not UTF-8 become U+FFFD (a program that prints a non-UTF-8 file name
    /// must not make its whole output vanish).
    static func text(_ path: String) -> String {
        (try? Data(contentsOf: URL(fileURLWithPath: path))).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    static func isZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return true }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    /// Sends a signal (SIGKILL by default) to the process, unless it was reaped (its pid is no longer its own).
    public func kill(_ signal: Int32 = SIGKILL) {
        state.reaped.withLock { reaped in
            if !reaped { _ = Foundation.kill(pid, signal) }
        }
    }

    /// Whether the process ended and was reaped.
    public var isReaped: Bool { state.reaped.withLock { $0 } }

    /// Waits for the process to end (killing it after `timeout`, or at once when the waiting task is cancelled: a test
    /// whose time limit ran out must not wait on) and returns what it wrote; its output files go.
    public func wait(timeout: Duration = .seconds(600)) async -> ProcessResult {
        let watchdog = Task { [self] in
            try await Task.sleep(for: timeout)
            kill(SIGKILL)
        }
        let (code, signalled) = await withTaskCancellationHandler {
            await ended.value
        } onCancel: { [self] in
            kill(SIGKILL)
        }
        watchdog.cancel()
        let out = Self.text(stdoutPath)
        let err = Self.text(stderrPath)
        try? FileManager.default.removeItem(atPath: stdoutPath)
        try? FileManager.default.removeItem(atPath: stderrPath)
        return ProcessResult(exitCode: code, signalled: signalled, stdout: out, stderr: err)
    }
}

/// `posix_spawn` failed.
public struct SpawnFailure: Error, CustomStringConvertible {
    public var command: String
    public var code: Int32
    public var description: String { "cannot start \(command): \(String(cString: strerror(code)))" }
}

/// Runs programs for tests and benchmarks.
public enum ChildProcess {
    /// This process's environment with `extra` added, or (`clean`) only `PATH` and `extra`.
    static func environment(_ extra: [String: String], clean: Bool) -> [String: String] {
        let base =
            clean
            ? ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
            : ProcessInfo.processInfo.environment
        return base.merging(extra) { $1 }
    }

    /// Starts a program with its standard streams on files; a working folder is set by a shell that then execs the
    /// program (same pid).
    static func spawn(
        _ executable: String, _ arguments: [String], directory: String?, environment: [String: String],
        stdin: String, stdout: String, stderr: String
    ) throws -> pid_t {
        var argv = [executable] + arguments
        var program = executable
        if let directory {
            program = "/bin/sh"
            argv = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", directory] + argv
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            cArguments.forEach { free($0) }
            cEnvironment.forEach { free($0) }
        }
        // A child starts with every signal unblocked and at its default action: it would otherwise inherit the test
        // runner's blocked mask, and a SIGTERM to it (python's http.server, say) would stay pending for ever.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var defaults = sigset_t()
        sigfillset(&defaults)
        sigdelset(&defaults, SIGKILL)
        sigdelset(&defaults, SIGSTOP)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var child: pid_t = 0
        let code = posix_spawn(&child, program, &actions, &attributes, cArguments, cEnvironment)
        guard code == 0 else { throw SpawnFailure(command: argv.joined(separator: " "), code: code) }
        return child
    }

    /// Runs a program to its end, blocking the calling thread (for synchronous test helpers), with `input` on its
    /// standard input. Like `run`, it never uses Foundation's `Process`.
    public static func runSync(
        _ executable: String, _ arguments: [String], input: Data? = nil,
        environment: [String: String] = [:], replacingEnvironment: Bool = false,
        directory: String? = nil
    ) throws -> ProcessResult {
        let stem = "\(FileManager.default.temporaryDirectory.path)/kiln-child-\(UUID().uuidString)"
        defer { for suffix in [".in", ".out", ".err"] { unlink(stem + suffix) } }
        var stdin = "/dev/null"
        if let input {
            stdin = stem + ".in"
            try input.write(to: URL(fileURLWithPath: stdin))
        }
        let variables = replacingEnvironment ? environment : Self.environment(environment, clean: false)
        let child = try spawn(
            executable, arguments, directory: directory, environment: variables, stdin: stdin,
            stdout: stem + ".out", stderr: stem + ".err")
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        let signal = status & 0x7F
        return ProcessResult(
            exitCode: signal == 0 ? (status >> 8) & 0xFF : signal, signalled: signal != 0,
            stdout: RunningProcess.text(stem + ".out"), stderr: RunningProcess.text(stem + ".err"))
    }

    /// Runs a program to its end (at most `timeout`) and returns its exit code and output.
    public static func run(
        _ executable: String, _ arguments: [String], directory: String? = nil,
        environment: [String: String] = [:], cleanEnvironment: Bool = false,
        timeout: Duration = .seconds(600)
    ) async throws -> ProcessResult {
        let process = try RunningProcess(
            executable, arguments, directory: directory, environment: environment,
            cleanEnvironment: cleanEnvironment)
        return await process.wait(timeout: timeout)
    }

    /// Runs a shell command line with `/bin/sh -c` and requires exit 0; returns its stdout.
    @discardableResult
    public static func shell(_ command: String, directory: String? = nil) async throws -> String {
        let result = try await run("/bin/sh", ["-c", command], directory: directory, timeout: .seconds(300))
        guard result.exitCode == 0, !result.signalled else {
            throw CommandFailure(command: command, result: result)
        }
        return result.stdout
    }

    /// Quotes a word for `/bin/sh`.
    public static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// A helper command that did not succeed.
public struct CommandFailure: Error, CustomStringConvertible {
    public var command: String
    public var result: ProcessResult
    public var description: String { "`\(command)` failed: \(result)" }

    public init(command: String, result: ProcessResult) {
        self.command = command
        self.result = result
    }
}
