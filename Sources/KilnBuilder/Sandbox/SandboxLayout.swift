import Glibc

/// How the host's top-level program folders look (`/bin`, `/lib64`, … are links into `/usr` on a merged-/usr system
/// like Debian 12, real folders elsewhere), so the sandbox can mirror them and `/bin/sh` works inside it.
struct SandboxLayout: Sendable, Hashable {
    enum Entry: Sendable, Hashable {
        case symlink(path: String, target: String)
        case directory(String)
    }

    var entries: [Entry]

    static let candidates = ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"]

    static func detect() -> SandboxLayout {
        var entries: [Entry] = []
        for path in candidates {
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            if (info.st_mode & S_IFMT) == S_IFLNK {
                var buffer = [CChar](repeating: 0, count: 4096)
                let count = readlink(path, &buffer, buffer.count - 1)
                if count > 0 {
                    entries.append(
                        .symlink(
                            path: path,
                            target: String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)))
                }
            } else if (info.st_mode & S_IFMT) == S_IFDIR {
                entries.append(.directory(path))
            }
        }
        return SandboxLayout(entries: entries)
    }
}
