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
    /// Most nodes that aliases may copy in one file. Kept far below `maxExpandedNodes`, so that many small files each
    /// just under the per-file cap cannot add up to gigabytes across a commit.
    public var maxAliasNodes: Int

    public init(
        maxFileBytes: Int = 1 << 20, maxDepth: Int = 64, maxAliases: Int = 256, maxExpandedNodes: Int = 1_000_000,
        maxAliasNodes: Int = 10_000
    ) {
        self.maxAliasNodes = maxAliasNodes
        self.maxFileBytes = maxFileBytes
        self.maxDepth = maxDepth
        self.maxAliases = maxAliases
        self.maxExpandedNodes = maxExpandedNodes
    }

    public static let `default` = YAMLLimits()
}
