import Glibc
import KilnSpec

/// What a folder tree holds, entry by entry (type, permission bits, owner, and a file's sha256 or a symlink's
/// target), to tell what changed in it: ``InPlaceRoot`` writes only the changes back into the filesystem they came
/// from. Times are left out (Kiln clamps them on its copies; they are not what changed).
struct TreeSnapshot: Sendable, Hashable {
    struct Entry: Sendable, Hashable {
        var kind: mode_t
        var mode: mode_t
        var uid: UInt32
        var gid: UInt32
        /// A regular file's sha256, a symlink's target, empty for anything else.
        var content: String
    }

    /// By path relative to the tree's root, without a leading slash (`etc/fstab`).
    var entries: [String: Entry] = [:]

    static func take(_ root: String) throws(BuildError) -> TreeSnapshot {
        var snapshot = TreeSnapshot()
        var folders = [""]
        while let folder = folders.popLast() {
            let tree = RootFiles(root: folder.isEmpty ? root : root + "/" + folder)
            for name in tree.list("") {
                let relative = folder.isEmpty ? name : folder + "/" + name
                let path = root + "/" + relative
                var info = stat()
                guard lstat(path, &info) == 0 else {
                    throw .fileSystem(operation: "reading", path: path, reason: FileSystem.errorText())
                }
                let kind = info.st_mode & S_IFMT
                var content = ""
                if kind == S_IFREG {
                    content = try FileChecksum.compute(.sha256, path: path)
                } else if kind == S_IFLNK {
                    var buffer = [UInt8](repeating: 0, count: 4096)
                    let n = readlink(path, &buffer, buffer.count)
                    guard n >= 0 else {
                        throw .fileSystem(operation: "reading the link", path: path, reason: FileSystem.errorText())
                    }
                    content = String(decoding: buffer.prefix(n), as: UTF8.self)
                } else if kind == S_IFDIR {
                    folders.append(relative)
                }
                snapshot.entries[relative] = Entry(
                    kind: kind, mode: info.st_mode & 0o7777, uid: info.st_uid, gid: info.st_gid, content: content)
            }
        }
        return snapshot
    }

    /// A `debugfs -w -f` script that turns a filesystem holding `self` into one holding `after`, whose files are read
    /// from the folder `local`: removals first (deepest first), then additions and changes (parents first), each with
    /// its mode and owner set. Empty when nothing changed. Only regular files, folders and symlinks can be written; a
    /// changed path debugfs cannot name (blanks, quotes, control characters) is refused.
    func debugfsScript(to after: TreeSnapshot, local: String) throws(BuildError) -> (script: String, changed: Int) {
        var lines: [String] = []
        var changed = 0
        let removed = entries.keys.filter { path in
            guard let now = after.entries[path] else { return true }
            return now.kind != entries[path]!.kind
        }
        for path in removed.sorted(by: >) {
            try Self.check(path)
            lines.append("cd /" + Self.folder(of: path))
            let name = FilePaths.lastComponent(path)
            lines.append(entries[path]!.kind == S_IFDIR ? "rmdir \(name)" : "rm \(name)")
            changed += 1
        }
        for path in after.entries.keys.sorted() {
            let new = after.entries[path]!
            let old = entries[path].flatMap { $0.kind == new.kind ? $0 : nil }
            guard old != new else { continue }
            try Self.check(path)
            guard [S_IFREG, S_IFDIR, S_IFLNK].contains(new.kind) else {
                throw .unsupported(
                    "a layer booted in place can only write files, folders and symlinks into its base's filesystem; /\(path) is none of them"
                )
            }
            let name = FilePaths.lastComponent(path)
            lines.append("cd /" + Self.folder(of: path))
            if old == nil || old!.content != new.content {
                switch new.kind {
                case S_IFDIR:
                    lines.append("mkdir \(name)")
                case S_IFLNK:
                    try Self.check(new.content)
                    if old != nil { lines.append("rm \(name)") }
                    lines.append("symlink \(name) \(new.content)")
                default:
                    try Self.check(local)
                    if old != nil { lines.append("rm \(name)") }
                    lines.append("write \(local)/\(path) \(name)")
                }
            }
            lines.append("sif \(name) mode 0\(String(new.kind | new.mode, radix: 8))")
            lines.append("sif \(name) uid \(new.uid)")
            lines.append("sif \(name) gid \(new.gid)")
            changed += 1
        }
        return (lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n", changed)
    }

    /// `etc/ssh/x` → `etc/ssh`; `etc` → empty (the root).
    static func folder(of path: String) -> String {
        path.contains("/") ? FilePaths.parent(path) : ""
    }

    private static func check(_ text: String) throws(BuildError) {
        guard !text.unicodeScalars.contains(where: { $0.value <= 0x20 || $0 == "\"" || $0 == "\\" || $0.value == 0x7F })
        else {
            throw .unsupported(
                "a layer booted in place writes its changes into its base's filesystem with debugfs, which cannot name \(JSONText.quoted(text))"
            )
        }
    }
}
