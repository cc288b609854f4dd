import Crypto
import Foundation
import KilnSpec

/// Where a git source's commits come from: a repository on this machine, opened in place, or a remote fetched into a
/// bare mirror under the data directory.
public enum RepositoryLocation: Sendable, Hashable {
    /// A work tree or a bare repository on disk.
    case local(path: String)
    /// A `file://`, `http(s)://` or `ssh://` URL (or scp-like `user@host:path`), fetched by libgit2.
    case remote(url: String)

    /// Reads `--repo`: anything with a URL scheme, or scp-like `user@host:path`, is remote; the rest is a path.
    public init(_ text: String) throws(GitSourceError) {
        if let schemeEnd = text.range(of: "://") {
            let scheme = text[..<schemeEnd.lowerBound].lowercased()
            guard Self.schemes.contains(scheme) else {
                throw .invalidRepository(
                    Self.mask(text),
                    reason: "Kiln reads git over \(Self.schemes.sorted().joined(separator: ", ")), not \(scheme)://")
            }
            self = .remote(url: text)
        } else if Self.isSCPLike(text) {
            self = .remote(url: text)
        } else {
            guard !text.isEmpty else {
                throw .invalidRepository("\"\"", reason: "the repository is empty; give a path or a URL")
            }
            self = .local(path: text)
        }
    }

    static let schemes: Set<String> = ["file", "http", "https", "ssh", "git+ssh", "ssh+git"]

    private static func isSCPLike(_ text: String) -> Bool {
        guard let colon = text.firstIndex(of: ":"), let at = text.firstIndex(of: "@"), at < colon else { return false }
        return !text[..<colon].contains("/")
    }

    /// The repository as it may be shown: the URL's password, if any, replaced by `************`.
    public var display: String {
        switch self {
        case .local(let path): path
        case .remote(let url): Self.mask(url)
        }
    }

    /// The password written in a URL's user information, if any.
    var password: String? {
        guard case .remote(let url) = self, let (_, userinfo, _) = Self.split(url),
            let colon = userinfo.firstIndex(of: ":")
        else { return nil }
        let password = String(userinfo[userinfo.index(after: colon)...])
        return password.isEmpty ? nil : password
    }

    /// The mirror's folder name: a SHA-256 prefix of the URL without its password, so that rotating a password keeps
    /// the mirror and two URLs never share one.
    var mirrorName: String {
        let key: String
        switch self {
        case .local(let path): key = path
        case .remote(let url):
            if let (prefix, userinfo, rest) = Self.split(url) {
                let user = userinfo.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
                key = user.isEmpty ? prefix + rest : prefix + user + "@" + rest
            } else {
                key = url
            }
        }
        return String(Digest.sha256Hex(key).prefix(32)) + ".git"
    }

    /// `text` with the password of any URL in it masked, and `secret` masked wherever it appears (libgit2 messages may
    /// quote the URL).
    static func mask(_ text: String, secret: String? = nil) -> String {
        var out = text
        if let secret, !secret.isEmpty {
            out = out.replacingAll(secret, with: masked)
        }
        var result = ""
        var rest = Substring(out)
        while let schemeEnd = rest.range(of: "://") {
            result += rest[..<schemeEnd.upperBound]
            rest = rest[schemeEnd.upperBound...]
            let authorityEnd = rest.firstIndex { $0 == "/" || $0 == " " || $0 == "'" || $0 == "\"" } ?? rest.endIndex
            let authority = rest[..<authorityEnd]
            if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
                result += authority[..<colon] + ":" + masked + authority[at...]
            } else {
                result += authority
            }
            rest = rest[authorityEnd...]
        }
        return result + rest
    }

    static let masked = "************"

    /// `scheme://`, the user information and the rest of a URL that has user information.
    private static func split(_ url: String) -> (String, Substring, Substring)? {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let afterScheme = url[schemeEnd.upperBound...]
        let authorityEnd = afterScheme.firstIndex(of: "/") ?? afterScheme.endIndex
        guard let at = afterScheme[..<authorityEnd].lastIndex(of: "@") else { return nil }
        return (String(url[..<schemeEnd.upperBound]), afterScheme[..<at], afterScheme[afterScheme.index(after: at)...])
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = Substring(self)
        while let range = rest.range(of: target) {
            out += rest[..<range.lowerBound]
            out += replacement
            rest = rest[range.upperBound...]
        }
        return out + rest
    }
}
