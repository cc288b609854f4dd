import Glibc
import KilnSpec

/// Digests of files, streamed in 1 MiB reads: how Kiln hashes downloads, sources and every output it registers.
public enum FileChecksum {
    static let chunkBytes = 1 << 20

    /// The hex digest of the file at `path`. Blocking: call it off the cooperative pool for large files.
    public static func compute(_ algorithm: Checksum.Algorithm, path: String) throws(BuildError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .fileSystem(operation: "opening", path: path, reason: FileSystem.errorText()) }
        defer { close(fd) }
        _ = posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)
        var hasher = StreamingHasher(algorithm)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunkBytes, alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer, chunkBytes)
            if n == 0 { break }
            guard n > 0 else {
                if errno == EINTR { continue }
                throw .fileSystem(operation: "reading", path: path, reason: FileSystem.errorText())
            }
            hasher.update(UnsafeRawBufferPointer(start: buffer, count: n))
        }
        return hasher.finalize()
    }

    /// The digest computed on a thread of its own, so a large file does not hold a cooperative thread.
    public static func computeOffPool(_ algorithm: Checksum.Algorithm, path: String) async throws(BuildError) -> String {
        try await OffThread.run { () throws(BuildError) in try compute(algorithm, path: path) }
    }

    /// Whether `checksum` is usable: hex digits of the algorithm's length.
    static func problem(with checksum: Checksum) -> String? {
        let hex = checksum.hex
        guard hex.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else {
            return "\(checksum.algorithm.rawValue) checksum \(JSONText.quoted(hex)) is not lower-case hex"
        }
        guard hex.utf8.count == checksum.algorithm.hexLength else {
            return "\(checksum.algorithm.rawValue) checksum has \(hex.utf8.count) hex digits instead of \(checksum.algorithm.hexLength)"
        }
        return nil
    }
}
