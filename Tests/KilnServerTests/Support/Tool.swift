import Foundation
import KilnTestSupport

/// The command-line tools the OpenAPI tests run: `openapi-spec-validator` and `python3` with `jsonschema` and
/// `yaml` (PyPI packages), each a clear failure with its install command when it is missing.
enum Tool {
    struct Missing: Error, CustomStringConvertible {
        var description: String
    }

    /// An executable on PATH, or a failure naming how to install it.
    static func find(_ name: String, install: String) throws -> String {
        try ExternalTool.find(name, install: install)
    }

    static func openAPISpecValidator() throws -> String {
        try find("openapi-spec-validator", install: "pip install openapi-spec-validator")
    }

    /// `python3` that can import `jsonschema` and `yaml`.
    static func python() async throws -> String {
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

    static func run(_ executable: String, _ arguments: [String]) async throws -> ProcessResult {
        try await ChildProcess.run(executable, arguments)
    }
}

/// A temporary folder, removed when the value goes away.
final class TempFolder {
    let url: URL
    var path: String { url.path }

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-server-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    @discardableResult
    func write(_ name: String, _ data: Data) throws -> String {
        let file = url.appendingPathComponent(name)
        try data.write(to: file)
        return file.path
    }
}

/// Files of this repository.
enum Repo {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
}
