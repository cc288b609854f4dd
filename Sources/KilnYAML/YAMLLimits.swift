/// Caps that keep a hostile YAML file (from a pull request) from costing time or memory.
public struct YAMLLimits: Sendable, Hashable {
    /// Largest accepted file, in bytes.
    public var maxFileBytes: Int
    /// Deepest nesting of lists and mappings.
    public var maxDepth: Int
    /// Most alias uses (`*name`) in one file.
    public var maxAliases: Int
    /// Most nodes in one file after every alias is expanded: what an alias bomb inflates.
    public var maxExpandedNodes: Int

    public init(maxFileBytes: Int = 1 << 20, maxDepth: Int = 64, maxAliases: Int = 256, maxExpandedNodes: Int = 1_000_000) {
        self.maxFileBytes = maxFileBytes
        self.maxDepth = maxDepth
        self.maxAliases = maxAliases
        self.maxExpandedNodes = maxExpandedNodes
    }

    public static let `default` = YAMLLimits()
}
