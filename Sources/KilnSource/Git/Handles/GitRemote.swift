import CGit2
import Foundation

/// A remote (`git_remote`), anonymous: its URL lives only in memory, never in the mirror's config, so a password in
/// the URL is never written to disk.
final class GitRemote {
    let pointer: OpaquePointer

    private init(_ pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit { git_remote_free(pointer) }

    static func anonymous(
        _ url: String, in repository: GitRepository, masking secret: String?
    ) throws(GitSourceError) -> GitRemote {
        var out: OpaquePointer?
        let code = git_remote_create_anonymous(&out, repository.pointer, url)
        if code < 0 { throw GitSourceError.libgit2("set up the remote", code, masking: secret) }
        return GitRemote(out!)
    }

    /// Fetches `refspecs`, pruning what the remote deleted; the callbacks in `options` may abort.
    func fetch(_ refspecs: [String], options: inout git_fetch_options) -> Int32 {
        var strings: [UnsafeMutablePointer<CChar>?] = refspecs.map { strdup($0) }
        defer { strings.forEach { free($0) } }
        return strings.withUnsafeMutableBufferPointer { buffer in
            var array = git_strarray(strings: buffer.baseAddress, count: buffer.count)
            return git_remote_fetch(pointer, &array, &options, "kiln: fetch")
        }
    }

    /// The remote's default branch (`main`), as its HEAD named it in the last connection; nil when it has none (an
    /// empty repository, or a HEAD on an unborn branch).
    func defaultBranch() -> String? {
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        guard git_remote_default_branch(&buffer, pointer) == 0, let text = buffer.ptr else { return nil }
        let name = String(cString: text)
        return name.hasPrefix("refs/heads/") ? String(name.dropFirst("refs/heads/".count)) : nil
    }
}
