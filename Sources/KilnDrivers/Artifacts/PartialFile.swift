import Glibc

/// The file a fetch streams into: opened to continue at its end, or emptied to start again; synced before it is
/// checked and renamed.
final class PartialFile {
    let path: String
    private let fd: Int32

    /// Opens (creating) `path` and, with `truncate`, empties it; writes go to its end.
    init(path: String, truncate: Bool) throws(PartialFileError) {
        let flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | (truncate ? O_TRUNC : 0)
        let fd = open(path, flags, 0o644)
        guard fd >= 0 else { throw PartialFileError("cannot open \(path): \(Self.errorText())") }
        self.fd = fd
        self.path = path
    }

    deinit { close(fd) }

    func write(_ bytes: UnsafeRawBufferPointer) throws(PartialFileError) {
        guard var base = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let written = Glibc.write(fd, base, left)
            if written < 0 {
                if errno == EINTR { continue }
                throw PartialFileError("cannot write \(path): \(Self.errorText())")
            }
            left -= written
            base += written
        }
    }

    func sync() throws(PartialFileError) {
        guard fsync(fd) == 0 else { throw PartialFileError("cannot sync \(path): \(Self.errorText())") }
    }

    /// The length of the file at `path`; 0 when there is none.
    static func length(_ path: String) -> Int64 {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : 0
    }

    static func errorText() -> String {
        String(cString: strerror(errno))
    }
}

struct PartialFileError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
