import Foundation
import KilnCatalog
import KilnSpec

/// Prints an execution's log from the data dir, secrets masked line by line. Following, it reads what the build
/// worker appends, a few times a second, until the catalog says the execution has ended and the file is read to the
/// end.
struct LogReader {
    let catalog: any Catalog
    let execution: ExecutionRecord
    let redactor: Redactor
    var period: Duration = .milliseconds(250)

    func run(follow: Bool) async throws {
        var offset: UInt64 = 0
        var pending: [UInt8] = []
        while true {
            // Read the state before the file: an execution seen finished has written all of its log.
            var finished = true
            if follow { finished = try await catalog.execution(id: execution.id ?? -1)?.status.isFinished ?? true }
            var read = 0
            while true {
                let chunk = Self.chunk(execution.logPath, from: offset)
                if chunk.isEmpty { break }
                offset += UInt64(chunk.count)
                read += chunk.count
                pending += chunk
                if let newline = pending.lastIndex(of: UInt8(ascii: "\n")) {
                    write(pending[...newline])
                    pending.removeFirst(newline + 1)
                }
            }
            if finished && read == 0 || !follow {
                if !pending.isEmpty { write(pending[...]) }
                return
            }
            if read == 0 { try await Task.sleep(for: period) }
        }
    }

    private func write(_ bytes: ArraySlice<UInt8>) {
        let text = String(decoding: bytes, as: UTF8.self)
        let masked =
            redactor.secrets.isEmpty
            ? text
            : text.split(separator: "\n", omittingEmptySubsequences: false).map { redactor.redact(String($0)) }.joined(
                separator: "\n")
        FileHandle.standardOutput.write(Data(masked.utf8))
    }

    /// Up to 1 MiB of the file from `offset`; nothing when it does not exist (yet).
    static func chunk(_ path: String, from offset: UInt64) -> [UInt8] {
        guard !path.isEmpty, let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        guard (try? handle.seek(toOffset: offset)) != nil, let data = try? handle.read(upToCount: 1 << 20) else {
            return []
        }
        return Array(data)
    }
}
