import Foundation

/// The real `kiln` executable that `swift build` made, and ways to run it.
public enum KilnBinary {
    /// The package's root folder (this file is `Sources/KilnTestSupport/KilnBinary.swift`).
    public static let packageRoot: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// `kiln` beside the test bundle (the build folder `swift test` uses, whatever `--build-path` says), else
    /// `.build/debug/kiln` under the package root.
    public static let path: String? = {
        var candidates: [String] = []
        if let chosen = ProcessInfo.processInfo.environment["KILN_BINARY"] { candidates.append(chosen) }
        if let bundle = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append((bundle as NSString).deletingLastPathComponent + "/kiln")
        }
        candidates.append(packageRoot + "/.build/debug/kiln")
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    public struct Missing: Error, CustomStringConvertible {
        public var description: String {
            "no kiln executable beside the test bundle or at \(KilnBinary.packageRoot)/.build/debug/kiln; run `swift build --product kiln` (or `swift build --build-tests`) first"
        }
    }

    /// The executable's path, or an error that says how to build it.
    public static func require() throws -> String {
        guard let path else { throw Missing() }
        return path
    }

    /// Runs `kiln` with `arguments` to its end and returns the exit code, stdout and stderr. `NO_COLOR` is set so
    /// output never has terminal colours; `environment` adds variables.
    public static func run(
        _ arguments: [String], directory: String? = nil, environment: [String: String] = [:],
        timeout: Duration = .seconds(300)
    ) async throws -> ProcessResult {
        try await ChildProcess.run(
            try require(), arguments, directory: directory,
            environment: ["NO_COLOR": "1"].merging(environment) { $1 }, timeout: timeout)
    }

    /// Starts `kiln` with `arguments` without waiting for it (to kill it part-way).
    public static func start(_ arguments: [String], directory: String? = nil) throws -> RunningProcess {
        try RunningProcess(try require(), arguments, directory: directory, environment: ["NO_COLOR": "1"])
    }
}
