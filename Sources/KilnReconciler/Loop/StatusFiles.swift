import Foundation
import KilnSpec

/// The status files under `<data-dir>/status`, written only when their text changes, in one batch per pass.
struct StatusFiles {
    let paths: DataPaths
    /// What each status file holds.
    private(set) var written: [String: String] = [:]
    /// Files to write at the end of the pass.
    private var pending: [(path: String, text: String)] = []
    /// How many files the last flush wrote.
    private(set) var lastFlushCount = 0

    init(paths: DataPaths) {
        self.paths = paths
    }

    /// Queues an object's status file, unless it already holds `text`.
    mutating func queue(_ key: ObjectKey, _ text: String) {
        let path = paths.status(key)
        guard written[path] != text else { return }
        pending.append((path, text))
    }

    /// Writes the queued files with one flush to disk.
    mutating func flush() throws {
        let batch = pending
        lastFlushCount = batch.count
        pending.removeAll()
        try AtomicFile.writeBatch(batch)
        for (path, text) in batch { written[path] = text }
    }

    /// Writes one file now, unless it already holds `text` (also when a previous Kiln wrote it).
    mutating func writeIfChanged(_ text: String, to path: String) throws {
        if written[path] == text { return }
        if written[path] == nil, let existing = try? String(contentsOfFile: path, encoding: .utf8), existing == text {
            written[path] = text
            return
        }
        try AtomicFile.write(text, to: path)
        written[path] = text
    }

    /// Removes the status files of objects that `keep` no longer lists.
    mutating func removeStale(keeping keep: (ObjectKey) -> Bool) {
        for path in written.keys where path != paths.syncStatus {
            let parts = path.split(separator: "/").suffix(2)
            guard parts.count == 2, let kind = Kind(slug: String(parts.first!)) else { continue }
            let key = ObjectKey(kind, String(parts.last!.dropLast(5)))
            if !keep(key) {
                try? FileManager.default.removeItem(atPath: path)
                written[path] = nil
            }
        }
    }
}
