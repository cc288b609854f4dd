import KilnSpec

extension GitSource {
    /// Where a git source reads specs, and its caps.
    public struct Configuration: Sendable {
        /// A work tree or bare repository on disk, or a `file://`, `https://` or `ssh://` URL.
        public var repository: String
        /// The branch to follow; nil for the local repository's `HEAD`, or the remote's default branch.
        public var branch: String?
        /// The spec root inside the repository; empty for the repository's root.
        public var specRoot: String
        /// Kiln's data directory: remote repositories are mirrored under `mirrors/` in it.
        public var dataDirectory: String
        public var limits: SourceLimits
        /// How long one fetch of a remote may take before it is stopped.
        public var fetchTimeout: Duration
        /// The largest file a ``GitFileReader`` returns (scripts, in-repository sources).
        public var maxReadBytes: Int

        public init(
            repository: String, branch: String? = nil, specRoot: String = "", dataDirectory: String = "./.kiln",
            limits: SourceLimits = .default, fetchTimeout: Duration = .seconds(120), maxReadBytes: Int = 256 << 20
        ) {
            self.repository = repository
            self.branch = branch
            self.specRoot = specRoot
            self.dataDirectory = dataDirectory
            self.limits = limits
            self.fetchTimeout = fetchTimeout
            self.maxReadBytes = maxReadBytes
        }
    }

    /// The spec root without `.`, leading, trailing or doubled slashes; `..` and absolute paths are refused.
    static func normalizedSpecRoot(_ text: String) throws(GitSourceError) -> String {
        guard !text.hasPrefix("/") else { throw .invalidSpecRoot(text) }
        let parts = text.split(separator: "/").filter { $0 != "." }
        guard !parts.contains("..") else { throw .invalidSpecRoot(text) }
        return parts.joined(separator: "/")
    }

    /// The branch as a short name: `refs/heads/main` and `main` are both `main`.
    static func normalizedBranch(_ text: String?) throws(GitSourceError) -> String? {
        guard let text else { return nil }
        let name = text.hasPrefix("refs/heads/") ? String(text.dropFirst("refs/heads/".count)) : text
        guard RevisionName.isValidName(name) else { throw .invalidBranch(text) }
        return name
    }
}
