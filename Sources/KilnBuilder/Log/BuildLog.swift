import Foundation
import Glibc
import KilnSpec

/// The execution log: one line per event, `2025-01-31T12:00:00.000Z [source] message`, where `source` is a phase
/// (`kiln`, `Fetching`, …) or a script's name. Secret values registered with ``addSecret(_:)`` never reach the file.
actor BuildLog {
    private let fd: Int32
    private let path: String
    private var redactor = Redactor()
    private var failed = false
    private var outputBytes: [String: Int] = [:]
    private static let timestamp = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    init(path: String) throws(BuildError) {
        try FileSystem.makeDirectories(FilePaths.parent(path))
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o640)
        guard fd >= 0 else {
            throw .fileSystem(operation: "opening the execution log", path: path, reason: FileSystem.errorText())
        }
        self.fd = fd
        self.path = path
    }

    deinit { close(fd) }

    func addSecret(_ value: String) {
        redactor.add(value)
    }

    /// Writes a line of a program's output, up to `limit` bytes per source; one notice marks where output was cut.
    func writeOutput(_ source: String, _ line: String, limit: Int) {
        let before = outputBytes[source, default: 0]
        outputBytes[source] = before + line.utf8.count + 1
        if before + line.utf8.count + 1 <= limit {
            write(source, line)
        } else if before <= limit {
            write(source, "(output beyond \(limit) bytes is not logged)")
            outputBytes[source] = limit + 1
        }
    }

    func write(_ source: String, _ message: String) {
        let line = "\(Date().formatted(Self.timestamp)) [\(source)] \(redactor.redact(message))\n"
        // A log that cannot be written (full disk) must not fail the build: later lines are dropped.
        guard !failed else { return }
        let written = Array(line.utf8).withUnsafeBytes { raw in
            (try? FileSystem.writeAll(fd, raw.baseAddress!, raw.count, path: path)) != nil
        }
        if !written { failed = true }
    }
}
