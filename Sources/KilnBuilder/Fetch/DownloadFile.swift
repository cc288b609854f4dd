import Glibc

/// A new file a download streams into; synced on ``finish()`` so a rename after it publishes complete bytes.
final class DownloadFile {
    let path: String
    private let fd: Int32

    init(path: String) throws(BuildError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw .fileSystem(operation: "creating", path: path, reason: FileSystem.errorText()) }
        self.fd = fd
        self.path = path
    }

    deinit { close(fd) }

    func write(_ bytes: UnsafeRawBufferPointer) throws(BuildError) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        try FileSystem.writeAll(fd, base, bytes.count, path: path)
    }

    func finish() throws(BuildError) {
        guard fsync(fd) == 0 else {
            throw .fileSystem(operation: "syncing", path: path, reason: FileSystem.errorText())
        }
    }
}
