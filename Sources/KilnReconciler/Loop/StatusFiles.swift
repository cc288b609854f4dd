import Foundation
import KilnSpec

/// The status files under `<data-dir>/status`: an object's file is handed to the background ``StatusFileWriter``
/// only when its text changes, in one batch per pass; the sync status is written at once.
struct StatusFiles {
    let paths: DataPaths
    let writer = StatusFileWriter()
    /// The sha256 of what each status file holds (or will hold once the writer is through): a digest rather than the
    /// text, which for 10,000 objects would keep some 13 MB alive between passes only to be compared.
    private(set) var written: [String: String] = [:]
    /// Files to hand over at the end of the pass.
    private var pending: [(path: String, text: String, digest: String)] = []
    /// How many files the last flush handed over.
    private(set) var lastFlushCount = 0

    init(paths: DataPaths) {
        self.paths = paths
    }

    /// Queues an object's status file, unless it already holds `text`.
    mutating func queue(_ key: ObjectKey, _ text: String) {
        let path = paths.status(key)
        let digest = Digest.sha256Hex(text)
        guard written[path] != digest else { return }
        pending.append((path, text, digest))
    }

    /// Hands the queued files to the writer, which writes them with one flush to disk.
    mutating func flush() {
        let batch = pending
        lastFlushCount = batch.count
        pending.removeAll()
        writer.write(batch.map { ($0.path, $0.text) })
        for item in batch { written[item.path] = item.digest }
    }

    /// Waits for the writer to be through with what it was handed.
    func waitForWriter() async {
        await writer.wait()
    }

    /// The paths the writer could not write, with why, after forgetting what they were to hold (so that they are
    /// queued again).
    mutating func takeFailures() -> [String: String] {
        let failures = writer.takeFailures()
        for path in failures.keys { written[path] = nil }
        return failures
    }

    /// Writes one file now, unless it already holds `text` (also when a previous Kiln wrote it).
    mutating func writeIfChanged(_ text: String, to path: String) throws {
        let digest = Digest.sha256Hex(text)
        if written[path] == digest { return }
        if written[path] == nil, let existing = try? String(contentsOfFile: path, encoding: .utf8), existing == text {
            written[path] = digest
            return
        }
        try AtomicFile.write(text, to: path)
        written[path] = digest
    }

    /// Removes the status files of `gone` objects (through the writer, after what it writes).
    mutating func remove(_ gone: [ObjectKey]) {
        let stale = gone.map { paths.status($0) }.filter { written[$0] != nil }
        for path in stale { written[path] = nil }
        writer.remove(stale)
    }

    /// Removes the status files of objects that `keep` no longer lists (through the writer, after what it writes).
    mutating func removeStale(keeping keep: (ObjectKey) -> Bool) {
        var stale: [String] = []
        for path in written.keys where path != paths.syncStatus {
            let parts = path.split(separator: "/").suffix(2)
            guard parts.count == 2, let kind = Kind(slug: String(parts.first!)) else { continue }
            let key = ObjectKey(kind, String(parts.last!.dropLast(5)))
            if !keep(key) { stale.append(path) }
        }
        for path in stale { written[path] = nil }
        writer.remove(stale)
    }
}
