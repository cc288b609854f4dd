import Foundation

/// Writes a file so that readers see the old content or the new, never a half-written file, even after a crash or a
/// power cut: a temp file in the same folder, fsync, rename, then fsync of the folder.
public enum AtomicFile {
    /// Temp files are named with this marker, so that a start-up sweep can remove those a crash left behind.
    public static let tempMarker = ".kiln-tmp-"

    public static func write(_ text: String, to path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let temp = "\(folder)/\(tempMarker)\(name).\(getpid())"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw AtomicFileError(path: path, detail: String(cString: strerror(errno))) }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
            if n <= 0 {
                close(fd)
                unlink(temp)
                throw AtomicFileError(path: path, detail: String(cString: strerror(errno)))
            }
            written += n
        }
        guard fsync(fd) == 0 else {
            close(fd)
            unlink(temp)
            throw AtomicFileError(path: path, detail: "fsync: \(String(cString: strerror(errno)))")
        }
        close(fd)
        guard rename(temp, path) == 0 else {
            unlink(temp)
            throw AtomicFileError(path: path, detail: String(cString: strerror(errno)))
        }
        let dir = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 {
            fsync(dir)
            close(dir)
        }
    }

    /// Writes many files with one flush to disk: each to its temp file, then one `syncfs` of the filesystem, then the
    /// renames and one fsync per folder. Thousands of status files cost one flush instead of thousands.
    public static func writeBatch(_ files: [(path: String, text: String)]) throws {
        guard !files.isEmpty else { return }
        var temps: [(temp: String, path: String)] = []
        defer { for (temp, _) in temps { unlink(temp) } }
        for (path, text) in files {
            let folder = (path as NSString).deletingLastPathComponent
            let temp = "\(folder)/\(tempMarker)\((path as NSString).lastPathComponent).\(getpid())"
            let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                throw AtomicFileError(path: path, detail: "cannot create \(temp): \(String(cString: strerror(errno)))")
            }
            temps.append((temp, path))
            var bytes = Array(text.utf8)[...]
            while !bytes.isEmpty {
                let n = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
                guard n > 0 else {
                    close(fd)
                    throw AtomicFileError(path: path, detail: String(cString: strerror(errno)))
                }
                bytes = bytes.dropFirst(n)
            }
            close(fd)
        }
        let anchor = open((files[0].path as NSString).deletingLastPathComponent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if anchor >= 0 {
            defer { close(anchor) }
            guard linuxSyncfs(anchor) == 0 else {
                throw AtomicFileError(path: files[0].path, detail: "syncfs: \(String(cString: strerror(errno)))")
            }
        }
        var folders: Set<String> = []
        for (temp, path) in temps {
            guard rename(temp, path) == 0 else {
                throw AtomicFileError(path: path, detail: String(cString: strerror(errno)))
            }
            folders.insert((path as NSString).deletingLastPathComponent)
        }
        temps.removeAll()
        for folder in folders {
            let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if fd >= 0 {
                fsync(fd)
                close(fd)
            }
        }
    }

    /// Removes temp files a crash left in `folder` and below.
    public static func sweep(_ folder: String) {
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return }
        while let item = walker.nextObject() as? String {
            if (item as NSString).lastPathComponent.hasPrefix(tempMarker) {
                try? FileManager.default.removeItem(atPath: "\(folder)/\(item)")
            }
        }
    }
}

public struct AtomicFileError: Error, CustomStringConvertible {
    public var path: String
    public var detail: String
    public var description: String { "cannot write \(path): \(detail) (is the disk full?)" }
}

/// `syncfs(2)`: flushes the filesystem that holds `fd`. Glibc declares it only under _GNU_SOURCE, so Swift's Glibc
/// module does not import it; the symbol is in every glibc since 2.14.
@_silgen_name("syncfs")
private func linuxSyncfs(_ fd: Int32) -> Int32
