import Glibc

/// The few file operations the pipeline needs, as thin wrappers over POSIX that throw ``BuildError``.
///
/// Removal never follows symbolic links: a root filesystem built from an untrusted archive or script may hold links
/// to anywhere on the host.
enum FileSystem {
    static func errorText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    static func size(_ path: String) throws(BuildError) -> Int64 {
        var info = stat()
        guard stat(path, &info) == 0 else { throw .fileSystem(operation: "stat", path: path, reason: errorText()) }
        return Int64(info.st_size)
    }

    /// Creates `path` and its missing parents with `mode`; returns the folders it created, outermost first, so a
    /// cleanup removes exactly those.
    @discardableResult
    static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws(BuildError) -> [String] {
        var missing: [String] = []
        var current = FilePaths.lexicallyNormalized(path)
        while current != "/" && !exists(current) {
            missing.append(current)
            current = FilePaths.parent(current)
        }
        for folder in missing.reversed() {
            guard mkdir(folder, mode) == 0 || errno == EEXIST else {
                throw .fileSystem(operation: "creating folder", path: folder, reason: errorText())
            }
        }
        guard isDirectory(path) else {
            throw .fileSystem(operation: "creating folder", path: path, reason: "it exists and is not a folder")
        }
        return missing.reversed()
    }

    /// Removes a file, link or whole tree. Links are removed, never followed; folders without write permission are
    /// made writable first. A missing path is not an error.
    static func removeTree(_ path: String) throws(BuildError) {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return }
            throw .fileSystem(operation: "removing", path: path, reason: errorText())
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            _ = chmod(path, 0o700)
            guard let dir = opendir(path) else {
                throw .fileSystem(operation: "removing", path: path, reason: errorText())
            }
            var names: [String] = []
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
                }
                if name != "." && name != ".." { names.append(name) }
            }
            closedir(dir)
            for name in names { try removeTree(path + "/" + name) }
            guard rmdir(path) == 0 || errno == ENOENT else {
                throw .fileSystem(operation: "removing", path: path, reason: errorText())
            }
        } else {
            guard unlink(path) == 0 || errno == ENOENT else {
                throw .fileSystem(operation: "removing", path: path, reason: errorText())
            }
        }
    }

    /// Renames atomically; across filesystems, copies to a temporary name beside `destination` and renames that.
    static func move(_ source: String, to destination: String) throws(BuildError) {
        if rename(source, destination) == 0 { return }
        guard errno == EXDEV else {
            throw .fileSystem(operation: "moving \(source) to", path: destination, reason: errorText())
        }
        let temporary = FilePaths.parent(destination) + "/.incoming-" + FilePaths.lastComponent(destination)
        do throws(BuildError) {
            try copyFile(source, to: temporary)
            guard rename(temporary, destination) == 0 else {
                throw BuildError.fileSystem(operation: "moving \(source) to", path: destination, reason: errorText())
            }
        } catch {
            _ = unlink(temporary)
            throw error
        }
        _ = unlink(source)
    }

    /// Copies a regular file's bytes and syncs them.
    static func copyFile(_ source: String, to destination: String) throws(BuildError) {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw .fileSystem(operation: "opening", path: source, reason: errorText()) }
        defer { close(input) }
        let output = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw .fileSystem(operation: "creating", path: destination, reason: errorText()) }
        defer { close(output) }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = read(input, buffer, 1 << 20)
            if n == 0 { break }
            guard n > 0 else {
                if errno == EINTR { continue }
                throw .fileSystem(operation: "reading", path: source, reason: errorText())
            }
            try writeAll(output, buffer, n, path: destination)
        }
        guard fsync(output) == 0 else {
            throw .fileSystem(operation: "syncing", path: destination, reason: errorText())
        }
    }

    /// Creates a new file (never replacing one) holding `bytes`.
    static func writeNewFile(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) throws(BuildError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)
        guard fd >= 0 else { throw .fileSystem(operation: "creating", path: path, reason: errorText()) }
        defer { close(fd) }
        let failure: BuildError? = bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return nil }
            do throws(BuildError) { try writeAll(fd, base, raw.count, path: path) } catch { return error }
            return nil
        }
        if let failure { throw failure }
    }

    static func writeAll(_ fd: Int32, _ base: UnsafeRawPointer, _ count: Int, path: String) throws(BuildError) {
        var written = 0
        while written < count {
            let n = write(fd, base + written, count - written)
            guard n >= 0 else {
                if errno == EINTR { continue }
                throw .fileSystem(operation: "writing", path: path, reason: errorText())
            }
            written += n
        }
    }

    /// Creates an empty file of exactly `bytes` bytes (sparse), never replacing one.
    static func createSparseFile(_ path: String, bytes: Int64) throws(BuildError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .fileSystem(operation: "creating", path: path, reason: errorText()) }
        defer { close(fd) }
        guard ftruncate(fd, off_t(bytes)) == 0 else {
            throw .fileSystem(operation: "sizing", path: path, reason: errorText())
        }
    }
}
