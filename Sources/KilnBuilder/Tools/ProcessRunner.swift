import Subprocess
import SystemPackage

/// Runs one external program in its own process group, with a clean environment, stdout and stderr merged into
/// lines, an optional time limit, and Swift task cancellation.
///
/// On a timeout or a cancellation the whole process group gets SIGKILL and the call returns only once the process
/// is gone. `bwrap` puts the sandboxed script in a session of its own, out of reach of the group signal; its
/// `--die-with-parent` and its PID namespace take every sandboxed process down with it, and a ``SandboxWatch``
/// makes the call wait for that too. Children get no descriptor of Kiln's beyond stdin/stdout/stderr
/// (swift-subprocess closes the rest) and start with an empty signal mask.
struct ProcessRunner: Sendable {
    /// Variables of every process started; a script's environment is passed in full instead.
    var environment: [String: String]
    /// Lines of output kept for error messages.
    var tailLines = 20

    private enum Race: Sendable {
        case finished(ProcessOutcome)
        case timedOut
    }

    /// A process group of its own, SIGKILL to the whole group when the task is cancelled.
    private static var platformOptions: PlatformOptions {
        var options = PlatformOptions()
        options.processGroupID = 0
        options.teardownSequence = [.send(signal: .kill, toProcessGroup: true, allowedDurationToNextStep: .seconds(10))]
        return options
    }

    /// Runs `executable` to its end; every output line goes to `onLine` as it arrives. `input` is its whole stdin,
    /// unless `stdin` names a descriptor to give it instead (closed here once the process has it: a ``Lifeline``'s
    /// read end). `workingDirectory` is where it starts (by default, where Kiln runs).
    ///
    /// With a `watch`, the call also waits, after a kill, until the sandbox the process started is gone. `onStart`
    /// gets the process's pid, which is also its process group's id, as soon as it runs.
    func run(
        _ executable: String, _ arguments: [String], environment override: [String: String]? = nil,
        timeout: Duration? = nil, watch: SandboxWatch? = nil, input: [UInt8] = [], stdin: Int32? = nil,
        workingDirectory: String? = nil, onLine: (@Sendable (String) async -> Void)? = nil,
        onStart: (@Sendable (Int32) async -> Void)? = nil
    ) async throws(BuildError) -> ProcessOutcome {
        if let stdin {
            return try await launch(
                executable, arguments, environment: override, timeout: timeout, watch: watch,
                input: .fileDescriptor(FileDescriptor(rawValue: stdin), closeAfterSpawningProcess: true),
                workingDirectory: workingDirectory, onStart: onStart, onLine: onLine)
        }
        return try await launch(
            executable, arguments, environment: override, timeout: timeout, watch: watch,
            input: .array(input), workingDirectory: workingDirectory, onStart: onStart, onLine: onLine)
    }

    private func launch<Input: InputProtocol>(
        _ executable: String, _ arguments: [String], environment override: [String: String]?,
        timeout: Duration?, watch: SandboxWatch?, input: Input, workingDirectory: String?,
        onStart: (@Sendable (Int32) async -> Void)?, onLine: (@Sendable (String) async -> Void)?
    ) async throws(BuildError) -> ProcessOutcome {
        let options = Self.platformOptions
        let variables = (override ?? environment).sorted { $0.key < $1.key }.map {
            Array("\($0.key)=\($0.value)\0".utf8)
        }
        let keep = tailLines
        let tool = FilePaths.lastComponent(executable)
        let folder = workingDirectory.map { FilePath($0) }
        do {
            let race = try await withThrowingTaskGroup(of: Race.self) { group in
                group.addTask {
                    let result = try await Subprocess.run(
                        .path(FilePath(executable)), arguments: Arguments(arguments),
                        environment: .custom(variables), workingDirectory: folder, platformOptions: options,
                        input: input, output: .sequence, error: .combinedWithOutput
                    ) { execution in
                        await onStart?(execution.processIdentifier.value)
                        async let watched: Void = watch?.observe(parent: execution.processIdentifier.value) ?? ()
                        var splitter = LineSplitter()
                        var tail: [String] = []
                        func take(_ line: String) async {
                            tail.append(line)
                            if tail.count > keep { tail.removeFirst() }
                            await onLine?(line)
                        }
                        for try await buffer in execution.standardOutput {
                            for line in buffer.withUnsafeBytes({ splitter.append($0) }) { await take(line) }
                        }
                        if let last = splitter.finish() { await take(last) }
                        await watched
                        return tail
                    }
                    let status: ProcessOutcome.Status =
                        switch result.terminationStatus {
                        case .exited(let code): .exited(code)
                        case .signaled(let signal): .signaled(signal)
                        }
                    return .finished(ProcessOutcome(status: status, tail: result.closureResult))
                }
                if let timeout {
                    group.addTask {
                        try await Task.sleep(for: timeout)
                        return .timedOut
                    }
                }
                let first = try await group.next()!
                group.cancelAll()
                return first
            }
            if case .finished(let outcome) = race, outcome.succeeded { return outcome }
            await watch?.waitUntilGone()
            try Task.checkCancellation()
            switch race {
            case .finished(let outcome): return outcome
            case .timedOut: return ProcessOutcome(status: .timedOut, tail: [])
            }
        } catch {
            await watch?.waitUntilGone()
            if Task.isCancelled { throw .cancelled }
            throw .toolFailed(tool: tool, status: "could not be run", output: String(describing: error))
        }
    }

    /// Runs a tool that must succeed; a failure names the tool, how it ended and what it printed last.
    func runChecked(
        _ executable: String, _ arguments: [String], input: [UInt8] = []
    ) async throws(BuildError) -> ProcessOutcome {
        let outcome = try await run(executable, arguments, input: input)
        guard outcome.succeeded else {
            throw .toolFailed(
                tool: FilePaths.lastComponent(executable), status: outcome.status.description,
                output: outcome.tailText)
        }
        return outcome
    }
}
