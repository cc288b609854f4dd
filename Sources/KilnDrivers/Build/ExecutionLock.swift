import Foundation
import KilnReconciler

/// The lock a build worker holds while it runs an execution (`<data-dir>/work/execution-<id>.lock`). It is how Kiln
/// knows an execution is alive after a restart: the kernel releases the lock when the worker ends, however it ends,
/// so a held lock is a live worker and pid reuse cannot fool the check.
///
/// It is an open-file-description lock (`F_OFD_SETLK`), not an `flock`, because ``isHeld(_:_:)`` must look without
/// taking it: `F_OFD_GETLK` only reports a conflicting lock. A probe that took the lock for an instant (as `flock` must)
/// could meet a worker taking it in that instant, and the worker would end at once, believing another worker had it.
struct ExecutionLock {
    /// `<fcntl.h>`'s values, which Glibc's Swift module leaves out (they need `_GNU_SOURCE`); the same on every Linux
    /// architecture (asm-generic).
    private static let getLock: Int32 = 36
    private static let setLock: Int32 = 37

    private static func whole(_ type: Int32) -> flock {
        var record = flock()
        record.l_type = Int16(type)
        record.l_whence = Int16(SEEK_SET)
        return record
    }

    static func path(_ paths: DataPaths, _ id: Int64) -> String { paths.workerLock(execution: id) }

    /// Where a worker's stdout and stderr go.
    static func outputPath(_ paths: DataPaths, _ id: Int64) -> String { paths.workerOutput(execution: id) }

    /// Takes the lock, or returns nil when another process holds it.
    static func acquire(_ paths: DataPaths, _ id: Int64) -> Int32? {
        try? FileManager.default.createDirectory(atPath: paths.work, withIntermediateDirectories: true)
        let fd = open(path(paths, id), O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return nil }
        var record = whole(F_WRLCK)
        guard fcntl(fd, setLock, &record) == 0 else {
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
        var record = whole(F_WRLCK)
        if fcntl(fd, getLock, &record) == 0, record.l_type != Int16(F_UNLCK) { return true }
        // A worker started by an older Kiln (before an upgrade) holds an `flock`, which an OFD lock neither sees nor
        // conflicts with. Probing it with `flock` can no longer turn a worker away: workers take OFD locks now.
        if flock(fd, LOCK_EX | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return true
    }

    static func release(_ fd: Int32, _ paths: DataPaths, _ id: Int64) {
        unlink(path(paths, id))
        close(fd)
    }
}
