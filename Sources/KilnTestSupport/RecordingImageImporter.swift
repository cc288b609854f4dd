import Foundation
import KilnReconciler
import KilnSpec

/// An image importer for tests: "imports" by writing a small file whose content names its source, records each
/// call, and fails as told.
public actor RecordingImageImporter: ImageImportDriver {
    public private(set) var calls: [String] = []
    var failures: [String: ActionFailure] = [:]

    public init() {}

    /// Makes imports whose source contains `match` (a URL, an overlay path) fail with `failure`.
    public func fail(_ match: String, _ failure: ActionFailure?) { failures[match] = failure }

    func check(_ source: String) throws {
        calls.append(source)
        if let failure = failures.first(where: { source.contains($0.key) })?.value { throw failure }
    }

    public func importURL(
        _ url: String, checksum: Checksum, to output: String, work: String
    ) async throws -> ImportedDisk {
        try check(url)
        return try write("imported from \(url) \(checksum)", to: output)
    }

    public func snapshot(overlay: String, to output: String) async throws -> ImportedDisk {
        try check(overlay)
        let content = (try? String(contentsOfFile: overlay, encoding: .utf8)) ?? ""
        return try write("snapshot of [\(content)]", to: output)
    }

    func write(_ text: String, to output: String) throws -> ImportedDisk {
        try FileManager.default.createDirectory(
            atPath: (output as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: output, atomically: true, encoding: .utf8)
        return ImportedDisk(path: output, sha256: Digest.sha256Hex(text), boot: .bios)
    }
}
