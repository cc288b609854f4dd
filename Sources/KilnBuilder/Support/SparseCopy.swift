import Glibc

/// Copies a byte range of one file into another at some offset, only its data: the source's holes (a raw disk's
/// gigabytes of never-written blocks) are skipped, so they stay whatever the destination holds there.
enum SparseCopy {
    /// Copies the data of `[sourceOffset, sourceOffset + count)` of `source` to `destinationOffset` of
    /// `destination` (which must exist). Returns the data bytes copied.
    @discardableResult
    static func copyRange(
        _ source: String, offset sourceOffset: UInt64, count: UInt64, to destination: String,
        offset destinationOffset: UInt64
    ) throws(BuildError) -> UInt64 {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else {
            throw .fileSystem(operation: "opening", path: source, reason: FileSystem.errorText())
        }
        defer { close(input) }
        let output = open(destination, O_WRONLY | O_CLOEXEC | O_NOFOLLOW)
        guard output >= 0 else {
            throw .fileSystem(operation: "opening", path: destination, reason: FileSystem.errorText())
        }
        defer { close(output) }
        var info = stat()
        guard fstat(input, &info) == 0 else {
            throw .fileSystem(operation: "reading", path: source, reason: FileSystem.errorText())
        }
        let end = min(off_t(sourceOffset + count), off_t(info.st_size))
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: FileChecksum.chunkBytes, alignment: 64)
        defer { buffer.deallocate() }
        var copied: UInt64 = 0
        for extent in FileChecksum.dataExtents(input, size: end) where extent.end > off_t(sourceOffset) {
            var position = max(extent.start, off_t(sourceOffset))
            while position < extent.end {
                let n = pread(input, buffer, Int(min(extent.end - position, off_t(FileChecksum.chunkBytes))), position)
                if n < 0, errno == EINTR { continue }
                guard n > 0 else {
                    throw .fileSystem(
                        operation: "reading", path: source, reason: n == 0 ? "it ended early" : FileSystem.errorText())
                }
                let target = off_t(destinationOffset) + (position - off_t(sourceOffset))
                var written = 0
                while written < n {
                    let w = pwrite(output, buffer + written, n - written, target + off_t(written))
                    if w < 0, errno == EINTR { continue }
                    guard w > 0 else {
                        throw .fileSystem(operation: "writing", path: destination, reason: FileSystem.errorText())
                    }
                    written += w
                }
                position += off_t(n)
                copied += UInt64(n)
            }
        }
        return copied
    }
}
