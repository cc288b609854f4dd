import Glibc
import KilnSpec

/// Digests of files, streamed in 1 MiB reads: how Kiln hashes downloads, sources and every output it registers.
public enum FileChecksum {
    static let chunkBytes = 1 << 20
    /// Linux's `lseek` whences (`<unistd.h>` declares them only under `_GNU_SOURCE`, which Glibc's module does not set).
    static let seekData: Int32 = 3
    static let seekHole: Int32 = 4

    /// The hex digest of the file at `path`. Blocking: call it off the cooperative pool for large files.
    ///
    /// Hole-aware: the file's holes (`SEEK_HOLE`/`SEEK_DATA`, as a sparse raw disk has gigabytes of) are hashed as
    /// the zeros they read as, from a buffer of zeros, without reading them; only the data is read. The digest is the
    /// same as of every byte read in order (`sha256sum`'s). A filesystem without hole reporting reports the whole file
    /// as data, which is then read as before.
    public static func compute(_ algorithm: Checksum.Algorithm, path: String) throws(BuildError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .fileSystem(operation: "opening", path: path, reason: FileSystem.errorText()) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw .fileSystem(operation: "reading", path: path, reason: FileSystem.errorText())
        }
        _ = posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)
        var hasher = StreamingHasher(algorithm)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunkBytes, alignment: 64)
        defer { buffer.deallocate() }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            // A pipe or device: no holes to ask about, read to the end.
            try readAll(fd, from: 0, to: nil, buffer: buffer, hasher: &hasher, path: path)
            return hasher.finalize()
        }
        let zeros = UnsafeMutableRawPointer.allocate(byteCount: chunkBytes, alignment: 64)
        defer { zeros.deallocate() }
        zeros.initializeMemory(as: UInt8.self, repeating: 0, count: chunkBytes)
        let size = off_t(info.st_size)
        var position: off_t = 0
        for extent in dataExtents(fd, size: size) {
            hashZeros(extent.start - position, zeros: zeros, hasher: &hasher)
            try readAll(fd, from: extent.start, to: extent.end, buffer: buffer, hasher: &hasher, path: path)
            position = extent.end
        }
        hashZeros(size - position, zeros: zeros, hasher: &hasher)
        return hasher.finalize()
    }

    /// The file's data extents in order, as `SEEK_DATA`/`SEEK_HOLE` report them; the whole file as one extent when
    /// the filesystem cannot say (`EINVAL`, or any other error).
    static func dataExtents(_ fd: Int32, size: off_t) -> [(start: off_t, end: off_t)] {
        var extents: [(start: off_t, end: off_t)] = []
        var position: off_t = 0
        while position < size {
            let data = lseek(fd, position, seekData)
            if data < 0 {
                if errno == ENXIO { break }  // only a hole from here to the end
                return [(0, size)]
            }
            guard data < size else { break }
            var hole = lseek(fd, data, seekHole)
            if hole < 0 { return [(0, size)] }
            hole = min(hole, size)
            guard hole > data else { return [(0, size)] }
            extents.append((data, hole))
            position = hole
        }
        return extents
    }

    private static func hashZeros(_ count: off_t, zeros: UnsafeMutableRawPointer, hasher: inout StreamingHasher) {
        var left = count
        while left > 0 {
            let n = Int(min(left, off_t(chunkBytes)))
            hasher.update(UnsafeRawBufferPointer(start: zeros, count: n))
            left -= off_t(n)
        }
    }

    /// Reads and hashes `[start, end)` (to the end of the file when `end` is nil). A file that ends early (truncated
    /// while read) ends the loop; the digest is then of what was there.
    private static func readAll(
        _ fd: Int32, from start: off_t, to end: off_t?, buffer: UnsafeMutableRawPointer, hasher: inout StreamingHasher,
        path: String
    ) throws(BuildError) {
        var offset = start
        while end.map({ offset < $0 }) ?? true {
            let want = end.map { Int(min($0 - offset, off_t(chunkBytes))) } ?? chunkBytes
            let n = end == nil ? read(fd, buffer, want) : pread(fd, buffer, want, offset)
            if n == 0 { break }
            guard n > 0 else {
                if errno == EINTR { continue }
                throw .fileSystem(operation: "reading", path: path, reason: FileSystem.errorText())
            }
            hasher.update(UnsafeRawBufferPointer(start: buffer, count: n))
            offset += off_t(n)
        }
    }

    /// The digest computed on a thread of its own, so a large file does not hold a cooperative thread.
    public static func computeOffPool(_ algorithm: Checksum.Algorithm, path: String) async throws(BuildError) -> String
    {
        try await OffThread.run { () throws(BuildError) in try compute(algorithm, path: path) }
    }

    /// Whether `checksum` is usable: hex digits of the algorithm's length.
    static func problem(with checksum: Checksum) -> String? {
        let hex = checksum.hex
        guard hex.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else {
            return "\(checksum.algorithm.rawValue) checksum \(JSONText.quoted(hex)) is not lower-case hex"
        }
        guard hex.utf8.count == checksum.algorithm.hexLength else {
            return
                "\(checksum.algorithm.rawValue) checksum has \(hex.utf8.count) hex digits instead of \(checksum.algorithm.hexLength)"
        }
        return nil
    }
}
