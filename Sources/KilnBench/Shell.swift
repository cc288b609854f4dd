import Foundation

/// Runs reference tools (`git`) for the benchmarks. Kiln itself never runs git.
enum Shell {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `arguments`, feeding `input` on another thread (so a tool that answers while it reads cannot dead-lock
    /// on full pipes), and returns everything it printed.
    @discardableResult
    static func run(_ arguments: [String], input: Data? = nil, in folder: String? = nil) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        if let folder { process.currentDirectoryURL = URL(fileURLWithPath: folder) }
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        environment["GIT_CONFIG_GLOBAL"] = "/dev/null"
        process.environment = environment
        let output = Pipe()
        let stdin = Pipe()
        process.standardOutput = output
        process.standardInput = stdin
        try process.run()
        let writer = stdin.fileHandleForWriting
        Thread.detachNewThread {
            if let input { writer.write(input) }
            try? writer.close()
        }
        let out = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
        return out
    }

    /// Runs a reference shell script with only `path` as PATH (the tools Kiln's builder finds); on failure, the error
    /// holds the end of what it printed.
    static func script(_ script: String, _ arguments: [String], path: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [script] + arguments
        process.environment = ["PATH": path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(
                description:
                    "\(script) exited \(process.terminationStatus):\n\(String(decoding: printed.suffix(4000), as: UTF8.self))"
            )
        }
    }

    static func text(_ arguments: [String], in folder: String? = nil) throws -> String {
        String(decoding: try run(arguments, in: folder), as: UTF8.self)
    }
}
