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
