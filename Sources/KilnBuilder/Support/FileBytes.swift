import Glibc

/// Reads small files (secrets, headers) whole or in part.
enum FileBytes {
    /// The whole file, refused beyond `limit` bytes.
    static func read(_ path: String, limit: Int) throws(BuildError) -> [UInt8] {
        let bytes = try prefix(path, count: limit + 1)
        guard bytes.count <= limit else {
            throw .fileSystem(operation: "reading", path: path, reason: "larger than \(limit) bytes")
        }
        return bytes
    }

    /// Up to `count` bytes from `offset`.
    static func prefix(_ path: String, count: Int, offset: Int64 = 0) throws(BuildError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .fileSystem(operation: "opening", path: path, reason: FileSystem.errorText()) }
        defer { close(fd) }
        var out = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let n = out.withUnsafeMutableBytes { raw in
                pread(fd, raw.baseAddress! + filled, count - filled, off_t(offset) + off_t(filled))
            }
            if n == 0 { break }
            guard n > 0 else {
                if errno == EINTR { continue }
                throw .fileSystem(operation: "reading", path: path, reason: FileSystem.errorText())
            }
            filled += n
        }
        out.removeSubrange(filled...)
        return out
    }
}
