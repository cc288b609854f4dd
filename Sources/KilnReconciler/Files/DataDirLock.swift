import Foundation

/// An exclusive lock on a data dir: only one Kiln may own it. The lock is an `flock` on `<data-dir>/lock`, released by
/// the kernel when the process ends, however it ends — a SIGKILL leaves no stale lock behind.
public final class DataDirLock: Sendable {
    let fd: Int32
    public let path: String

    public init(paths: DataPaths) throws(DataDirLockError) {
        path = paths.lock
        do { try FileManager.default.createDirectory(atPath: paths.root, withIntermediateDirectories: true) } catch {
            throw .cannotCreate(paths.root, "\(error)")
        }
        fd = open(paths.lock, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .cannotCreate(paths.lock, String(cString: strerror(errno))) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            var buffer = [UInt8](repeating: 0, count: 32)
            let n = pread(fd, &buffer, 31, 0)
            let owner = n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : "?"
            close(fd)
            throw .held(paths.root, owner: owner)
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}

public enum DataDirLockError: Error, CustomStringConvertible {
    case held(String, owner: String)
    case cannotCreate(String, String)

    public var description: String {
        switch self {
        case .held(let root, let owner):
            "another Kiln (pid \(owner)) owns the data dir \(root); stop it, or give this one its own --data-dir"
        case .cannotCreate(let path, let why):
            "cannot create \(path): \(why)"
        }
    }
}
