import Foundation

/// A command-line tool some tests need, found on PATH; each is a clear failure with its install command when it is
/// missing.
public enum ExternalTool {
    public struct Missing: Error, CustomStringConvertible {
        public var description: String

        public init(description: String) { self.description = description }
    }

    /// The tool's path, or a failure that says how to install it.
    public static func find(_ name: String, install: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for folder in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(folder)/\(name)")
        {
            return "\(folder)/\(name)"
        }
        throw Missing(description: "\(name) is not installed: install it with `\(install)`")
    }

    /// Runs a tool to its end.
    public static func run(_ executable: String, _ arguments: [String]) async throws -> ProcessResult {
        try await ChildProcess.run(executable, arguments)
    }

    /// The `kiln` binary built beside the tests.
    public static func kiln() throws -> String { try KilnBinary.require() }

    /// `check-jsonschema` (PyPI).
    public static func checkJSONSchema() throws -> String {
        try find("check-jsonschema", install: "pip install check-jsonschema")
    }

    /// `openapi-spec-validator` (PyPI).
    public static func openAPISpecValidator() throws -> String {
        try find("openapi-spec-validator", install: "pip install openapi-spec-validator")
    }

    /// `python3` that can import `jsonschema` and `yaml`.
    public static func pythonWithJSONSchema() async throws -> String {
        let python = try find("python3", install: "apt-get install python3")
        let probe = try await run(python, ["-c", "import jsonschema, yaml"])
        guard probe.status == 0 else {
            let why = probe.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            throw Missing(
                description:
                    "python3 cannot import jsonschema and yaml (\(why)): install them with `pip install jsonschema pyyaml`"
            )
        }
        return python
    }
}
