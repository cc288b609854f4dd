import Foundation
import KilnReconciler

/// The lock a build worker holds while it runs an execution (`<data-dir>/work/execution-<id>.lock`). It is how Kiln
/// knows an execution is alive after a restart: the kernel releases the lock when the worker ends, however it ends,
/// so a held lock is a live worker and pid reuse cannot fool the check.
struct ExecutionLock {
    static func path(_ paths: DataPaths, _ id: Int64) -> String { paths.workerLock(execution: id) }

    /// Where a worker's stdout and stderr go.
    static func outputPath(_ paths: DataPaths, _ id: Int64) -> String { paths.workerOutput(execution: id) }

    /// Takes the lock, or returns nil when another process holds it.
    static func acquire(_ paths: DataPaths, _ id: Int64) -> Int32? {
        try? FileManager.default.createDirectory(atPath: paths.work, withIntermediateDirectories: true)
        let fd = open(path(paths, id), O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return nil }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return nil
        }
        return fd
    }

    /// Whether some process holds the lock now.
    static func isHeld(_ paths: DataPaths, _ id: Int64) -> Bool {
        let fd = open(path(paths, id), O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return true
    }

    static func release(_ fd: Int32, _ paths: DataPaths, _ id: Int64) {
        unlink(path(paths, id))
        flock(fd, LOCK_UN)
        close(fd)
    }
}
