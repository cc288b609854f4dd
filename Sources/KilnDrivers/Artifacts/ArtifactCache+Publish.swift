import Foundation

/// Why a finished artifact could not be put into the shared store; says what to check.
public struct ArtifactPublishError: Error, Sendable, Hashable, CustomStringConvertible {
    public let file: String
    public let store: String
    public let reason: String

    public var description: String {
        "cannot put \(file) into the artifact store \(store): \(reason) (check that the store is mounted and writable)"
    }
}

extension ArtifactCache {
    /// Puts a finished artifact under its content hash, as a fetch would have, and returns that path: a hard link
    /// when the cache is on the file's file system (no bytes copied), else a copy into this host's partial file,
    /// renamed into place once complete. A file already there under that hash is kept (its name is its content), so
    /// two hosts publishing the same bytes never clash.
    public func publish(_ file: String, sha256: String) throws(ArtifactPublishError) -> String {
        guard let target = path(sha256: sha256), let partial = partialPath(sha256: sha256) else {
            throw ArtifactPublishError(file: file, store: root, reason: "\(sha256) is not a sha256")
        }
        let files = FileManager.default
        if files.fileExists(atPath: target) { return target }
        do {
            try files.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw ArtifactPublishError(file: file, store: root, reason: "\(error)")
        }
        if link(file, target) == 0 || errno == EEXIST { return target }
        do {
            try? files.removeItem(atPath: partial)
            try files.copyItem(atPath: file, toPath: partial)
        } catch {
            try? files.removeItem(atPath: partial)
            throw ArtifactPublishError(file: file, store: root, reason: "\(error)")
        }
        guard rename(partial, target) == 0 else {
            let reason = String(cString: strerror(errno))
            try? files.removeItem(atPath: partial)
            throw ArtifactPublishError(file: file, store: root, reason: reason)
        }
        return target
    }
}
