import Glibc

/// What makes two executions with the same inputs write the same bytes, beyond the identifiers derived from the
/// inputs hash (``DiskLayout/uuid(_:_:)``) and `E2FSPROGS_FAKE_TIME`/`SOURCE_DATE_EPOCH`:
///
/// - modification times newer than the commit are clamped to it before `mkfs.ext4 -d` copies them;
/// - `mkfs.ext4 -d` (e2fsprogs 1.47.0) also copies each file's change and access times, which no tool can set on
///   the host (and its own reading updates the access time), so they are rewritten afterwards with `debugfs -w`
///   (`set_inode_field`), by path, for every inode.
enum Reproducible {
    /// Clamps mtimes under `root` to `epoch` (never following a symlink) and returns every path, relative to the
    /// root with a leading `/`, in a stable order (the root itself first).
    static func clampModificationTimes(_ root: String, epoch: Int64) -> [String] {
        var paths = ["/"]
        var index = 0
        while index < paths.count {
            let folder = paths[index]
            index += 1
            let full = root + (folder == "/" ? "" : folder)
            clamp(full, epoch: epoch)
            var info = stat()
            guard lstat(full, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else { continue }
            for name in RootFiles(root: full).list("") {
                paths.append((folder == "/" ? "" : folder) + "/" + name)
            }
        }
        return paths
    }

    private static func clamp(_ path: String, epoch: Int64) {
        var info = stat()
        guard lstat(path, &info) == 0, Int64(info.st_mtim.tv_sec) > epoch else { return }
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
