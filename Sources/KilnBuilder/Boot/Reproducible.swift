import Glibc

/// What makes two executions with the same inputs write the same bytes, beyond the identifiers derived from the
/// inputs hash (``DiskLayout/uuid(_:_:)``) and `E2FSPROGS_FAKE_TIME`/`SOURCE_DATE_EPOCH`:
///
/// - modification times newer than the commit are clamped to it before `mkfs.ext4 -d` copies them;
/// - `mkfs.ext4 -d` (e2fsprogs 1.47.0) also copies each file's change and access times, which no tool can set on
///   the host (and its own reading updates the access time), so they are rewritten afterwards with `debugfs -w`
///   (`set_inode_field`), by path, for every inode;
/// - a Debian root filesystem's folder times, and everything in apt's caches, are set to the commit's time (see
///   ``stampRunHistory(_:epoch:)``): they record what mmdebstrap's run did, which depends on the package cache.
enum Reproducible {
    /// apt's run-time state in a Debian root filesystem: what is in these folders, and when it was written, depends on
    /// the run (a package taken from the shared cache or downloaded, a cache filled long before), never on the
    /// packages installed. mmdebstrap's clean-up empties them of everything but apt's lock and `partial` folders.
    static let aptRunState = ["/var/cache/apt", "/var/lib/apt/lists"]

    /// Sets to `epoch` the modification time of every folder under `root` and of everything under ``aptRunState``
    /// (never following a symlink), and returns how many paths it set.
    ///
    /// Clamping (``clampModificationTimes(_:epoch:)``) makes every time the build wrote the same; it leaves times
    /// older than the commit, which are the packages' own. But a folder's mtime is the time an entry was last added
    /// or removed in it, and that is mmdebstrap's history: apt's package sets `/var/cache/apt/archives/partial` to the
    /// package's build time, then only a build that downloads something (a cold package cache) touches it again, so a
    /// warm-cache rebuild kept a 2023 time where the first build had the commit's. The same goes for the `lock` and
    /// `partial` that `sync-in` copies from the shared cache, with whatever times an earlier build left there. Files
    /// other than apt's keep their packages' times.
    static func stampRunHistory(_ root: String, epoch: Int64) -> Int {
        var stamped = 0
        for entry in walk(root) where entry.isFolder || aptRunState.contains(where: { entry.path.hasPrefix($0 + "/") })
        {
            setModificationTime(root + (entry.path == "/" ? "" : entry.path), epoch: epoch)
            stamped += 1
        }
        return stamped
    }

    /// Clamps mtimes under `root` to `epoch` (never following a symlink) and returns every path, relative to the
    /// root with a leading `/`, in a stable order (the root itself first).
    static func clampModificationTimes(_ root: String, epoch: Int64) -> [String] {
        let paths = walk(root).map(\.path)
        for path in paths { clamp(root + (path == "/" ? "" : path), epoch: epoch) }
        return paths
    }

    /// Every path under `root`, relative to it with a leading `/`, breadth-first in a stable order (the root itself
    /// first), and whether it is a folder (a symlink to one is not: it is never followed).
    static func walk(_ root: String) -> [(path: String, isFolder: Bool)] {
        var entries: [(path: String, isFolder: Bool)] = [("/", true)]
        var index = 0
        while index < entries.count {
            let (folder, isFolder) = entries[index]
            index += 1
            guard isFolder else { continue }
            let prefix = folder == "/" ? "" : folder
            for name in RootFiles(root: root + prefix).list("") {
                let path = prefix + "/" + name
                var info = stat()
                entries.append((path, lstat(root + path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR))
            }
        }
        return entries
    }

    private static func clamp(_ path: String, epoch: Int64) {
        var info = stat()
        guard lstat(path, &info) == 0, Int64(info.st_mtim.tv_sec) > epoch else { return }
        setModificationTime(path, epoch: epoch)
    }

    /// Sets the mtime of `path` itself (a symlink's own, never its target's) to `epoch`.
    private static func setModificationTime(_ path: String, epoch: Int64) {
        // UTIME_OMIT ((1 << 30) - 2): the access time is left alone.
        var times = [timespec(tv_sec: 0, tv_nsec: (1 << 30) - 2), timespec(tv_sec: Int(epoch), tv_nsec: 0)]
        _ = utimensat(AT_FDCWD, path, &times, AT_SYMLINK_NOFOLLOW)
    }

    /// debugfs commands setting the change and access times of every path (and lost+found, which mkfs made) to
    /// `epoch`. Paths debugfs cannot quote (a `"` or a control character) are left out and counted.
    static func debugfsCommands(_ paths: [String], epoch: Int64) -> (commands: String, skipped: Int) {
        var lines: [String] = []
        var skipped = 0
        for path in paths + ["/lost+found"] {
            guard !path.contains("\""), !path.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
                skipped += 1
                continue
            }
            for field in ["ctime", "atime"] { lines.append("sif \"\(path)\" \(field) @\(epoch)") }
        }
        return (lines.joined(separator: "\n") + "\n", skipped)
    }
}
