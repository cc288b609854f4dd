import Foundation
import KilnTestSupport
import Testing

/// The command-line tools some tests need: the `kiln` binary built beside the tests (`kiln validate` reads folders
/// through FolderSource, which this test target cannot import) and `check-jsonschema` from PyPI.
enum Tool {
    struct Missing: Error, CustomStringConvertible {
        var description: String
    }

    static func kiln() throws -> String { try KilnBinary.require() }

    /// `check-jsonschema` on PATH; a clear failure with the install command when it is missing.
    static func checkJSONSchema() throws -> String {
        try ExternalTool.find("check-jsonschema", install: "pip install check-jsonschema")
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
        url = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-spec-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Writes a file (making its folders) and returns its path.
    @discardableResult
    func write(_ relative: String, _ text: String) throws -> String {
        let file = url.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: file)
        return file.path
    }

    func mkdir(_ relative: String) throws {
        try FileManager.default.createDirectory(
            at: url.appendingPathComponent(relative), withIntermediateDirectories: true)
    }

    func symlink(_ relative: String, to destination: String) throws {
        let link = url.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: link.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: destination)
    }
}
