/// What to do with each archive entry, decided from the entry alone: a pure function with its own tests.
///
/// libarchive's secure-extraction flags are the second line; this first one gives clearer messages and drops what
/// has no place in a root filesystem made on the host:
/// - paths are relative and stay inside the root: absolute paths and `..` are refused;
/// - a hard link's target follows the same rule;
/// - a relative symlink may not climb above the root. An absolute one (`/usr/lib/…`) is kept: it resolves inside
///   the guest, and nothing on the host follows it (libarchive refuses to write through links, `mkfs.ext4 -d`
///   copies links as links, and scripts see the root filesystem only inside their sandbox);
/// - device nodes, FIFOs and sockets are dropped (the guest's `/dev` is a devtmpfs);
/// - setuid and setgid bits are cleared.
enum EntryPolicy {
    enum Decision: Sendable, Hashable {
        /// Write the entry at `path` (normalised), with `mode`; `clearedSetID` when setuid/setgid bits were removed.
        case extract(path: String, linkTarget: String?, mode: UInt32, clearedSetID: Bool)
        /// Nothing to write (the root folder itself, or a dropped kind), with why.
        case skip(reason: String)
        case refuse(reason: String)
    }

    struct Refusal: Error, Hashable {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    static func decide(_ entry: ArchiveEntry) -> Decision {
        let path: String
        switch normalize(entry.path) {
        case .success(let p): path = p
        case .failure(let refusal): return .refuse(reason: refusal.reason)
        }
        if path.isEmpty {
            return .skip(reason: "the root folder itself")
        }
        var linkTarget: String?
        switch entry.kind {
        case .file, .directory:
            break
        case .characterDevice, .blockDevice:
            return .skip(reason: "device node dropped")
        case .fifo:
            return .skip(reason: "FIFO dropped")
        case .socket:
            return .skip(reason: "socket dropped")
        case .hardlink(let target):
            switch normalize(target) {
            case .success(let t) where !t.isEmpty: linkTarget = t
            case .success: return .refuse(reason: "a hard link to the root folder")
            case .failure(let refusal): return .refuse(reason: "hard link target: \(refusal.reason)")
            }
        case .symlink(let target):
            if target.isEmpty || target.utf8.contains(0) {
                return .refuse(reason: "a symbolic link without a valid target")
            }
            if !target.hasPrefix("/") && climbsAboveRoot(link: path, target: target) {
                return .refuse(reason: "symbolic link to \(target) leads outside the root filesystem")
            }
        }
        let cleared = entry.mode & 0o6000 != 0
        return .extract(path: path, linkTarget: linkTarget, mode: entry.mode & 0o1777, clearedSetID: cleared)
    }

    /// The path relative to the root with `.` and empty segments removed; absolute paths and `..` are refused.
    static func normalize(_ raw: String) -> Result<String, Refusal> {
        if raw.hasPrefix("/") {
            return .failure(Refusal("an absolute path (\(raw)); entries must be relative to the root"))
        }
        if raw.utf8.contains(0) { return .failure(Refusal("a path with a NUL byte")) }
        var parts: [Substring] = []
        for part in raw.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..": return .failure(Refusal("a path with .. (\(raw)), which could leave the root filesystem"))
            default: parts.append(part)
            }
        }
        return .success(parts.joined(separator: "/"))
    }

    /// Whether a relative link target, read from the link's folder, goes above the root at any point.
    static func climbsAboveRoot(link: String, target: String) -> Bool {
        var depth = link.split(separator: "/").count - 1
        for part in target.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..":
                depth -= 1
                if depth < 0 { return true }
            default: depth += 1
            }
        }
        return false
    }
}
