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
        // `fd` is set only once the lock is held: a class whose stored properties are all set runs `deinit` even when
        // its init throws, and closing the descriptor twice could close another thread's freshly opened file.
        let descriptor = open(paths.lock, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .cannotCreate(paths.lock, String(cString: strerror(errno))) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            var buffer = [UInt8](repeating: 0, count: 32)
            let n = pread(descriptor, &buffer, 31, 0)
            let owner =
                n > 0
                ? String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : "?"
            close(descriptor)
            throw .held(paths.root, owner: owner)
        }
        fd = descriptor
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
