import Glibc

/// Edits files inside a root filesystem without ever following a symlink out of it.
///
/// A root filesystem may come from an untrusted archive whose `etc` is a symlink to the host's `/etc`, and Kiln runs
/// as root: every parent folder is checked with `lstat` to be a real folder, and files are opened with `O_NOFOLLOW`
/// (a symlink in the file's own place is removed and replaced by a regular file).
struct RootFiles: Sendable {
    let root: String

    /// The absolute path of `relative` when every parent below the root is a real folder (created when `create`).
    func safePath(_ relative: String, createParents: Bool = false) throws(BuildError) -> String? {
        let parts = relative.split(separator: "/").map(String.init)
        guard !parts.isEmpty, !parts.contains(".."), !parts.contains(".") else {
            throw .fileSystem(operation: "editing", path: relative, reason: "not a plain relative path")
        }
        var path = root
        for part in parts.dropLast() {
            path += "/" + part
            var info = stat()
            if lstat(path, &info) != 0 {
                guard createParents else { return nil }
                guard mkdir(path, 0o755) == 0 else {
                    throw .fileSystem(operation: "creating", path: path, reason: FileSystem.errorText())
                }
                continue
            }
            guard (info.st_mode & S_IFMT) == S_IFDIR else {
                throw .fileSystem(
                    operation: "editing the root filesystem at", path: path,
                    reason: "it is a symlink or a file where a folder was expected; Kiln does not follow it")
            }
        }
        return path + "/" + parts.last!
    }

    /// What is at `relative`, without following a symlink: nil when nothing is.
    func kind(_ relative: String) -> mode_t? {
        guard let path = try? safePath(relative) else { return nil }
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_mode & S_IFMT : nil
    }

    func size(_ relative: String) -> Int64? {
        guard let path = try? safePath(relative) else { return nil }
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG ? Int64(info.st_size) : nil
    }

    /// Replaces whatever is at `relative` (file or symlink; not a folder) with a regular file holding `text`.
    func write(_ relative: String, _ text: String, mode: mode_t = 0o644) throws(BuildError) {
        guard let path = try safePath(relative, createParents: true) else { return }
        try remove(relative)
        try FileSystem.writeNewFile(path, Array(text.utf8), mode: mode)
        chmod(path, mode)
    }

    /// Removes a file or symlink at `relative`; nothing there is fine.
    func remove(_ relative: String) throws(BuildError) {
        guard let path = try safePath(relative) else { return }
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard (info.st_mode & S_IFMT) != S_IFDIR else {
            throw .fileSystem(operation: "replacing", path: path, reason: "it is a folder")
        }
        guard unlink(path) == 0 else {
            throw .fileSystem(operation: "removing", path: path, reason: FileSystem.errorText())
        }
    }

    /// Names in the folder `relative` (empty when it is missing or not a real folder).
    func list(_ relative: String) -> [String] {
        guard let path = try? safePath(relative + "/x") else { return [] }
        let folder = String(path.dropLast(2))
        var info = stat()
        guard lstat(folder, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR, let dir = opendir(folder) else {
            return []
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    func makeFolder(_ relative: String) throws(BuildError) {
        guard let path = try safePath(relative + "/x", createParents: true) else { return }
        let folder = String(path.dropLast(2))
        var info = stat()
        if lstat(folder, &info) == 0 { return }
        guard mkdir(folder, 0o755) == 0 else {
            throw .fileSystem(operation: "creating", path: folder, reason: FileSystem.errorText())
        }
    }
}
