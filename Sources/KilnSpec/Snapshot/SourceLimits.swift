import KilnYAML

/// Caps on what one commit or folder may hold, so a hostile pull request cannot exhaust Kiln.
public struct SourceLimits: Sendable, Hashable {
    /// Most spec files (`*.yaml`, `*.yml`) under the spec root.
    public var maxFiles: Int
    /// Most bytes of spec files in all.
    public var maxTotalBytes: Int
    /// Caps for each file.
    public var yaml: YAMLLimits

    public init(maxFiles: Int = 50_000, maxTotalBytes: Int = 64 << 20, yaml: YAMLLimits = .default) {
        self.maxFiles = maxFiles
        self.maxTotalBytes = maxTotalBytes
        self.yaml = yaml
    }

    public static let `default` = SourceLimits()

    /// Whether a file name is a spec file.
    public static func isSpecFile(_ name: String) -> Bool {
        name.hasSuffix(".yaml") || name.hasSuffix(".yml")
    }
}
