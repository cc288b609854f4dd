import KilnYAML
import Testing

/// The caps that keep a hostile file (from a pull request) from costing time or memory. These tests assert what is
/// refused and where; how fast it is refused is measured by `kiln-bench`, not asserted here.
@Suite struct YAMLLimitsTests {
    /// `levels` anchored lists of `width` items, each level made of aliases to the one before: `width^levels` nodes
    /// once expanded (9 levels of 9: 387 million).
    static func billionLaughs(levels: Int = 9, width: Int = 9, extra: String = "") -> String {
        var lines = ["l0: &l0 [" + Array(repeating: "lol", count: width).joined(separator: ", ") + "]"]
        for level in 1..<levels {
            let items = Array(repeating: "*l\(level - 1)", count: width).joined(separator: ", ")
            lines.append("l\(level): &l\(level) [\(items)]")
        }
        return lines.joined(separator: "\n") + "\n" + extra
    }

    @Test func theDefaultsAreTheDocumentedOnes() {
        let limits = YAMLLimits.default
        #expect(limits.maxFileBytes == 1 << 20)
        #expect(limits.maxDepth == 64)
        #expect(limits.maxAliases == 256)
        #expect(limits.maxExpandedNodes == 1_000_000)
        #expect(limits.maxAliasNodes == 10_000)
    }

    /// The expansion cap on its own, without the tighter cap on what aliases copy.
    static let expansionOnly = YAMLLimits(maxAliasNodes: .max)

    /// Levels l0…l3 hold 9 + 81 + 729 + 6,561 = 7,380 alias-copied nodes; the second `*l3` of l4 passes 10,000.
    @Test func aBombIsStoppedAtTheAliasThatCopiesMoreThanTheAliasCap() {
        #expect(
            errors(Self.billionLaughs()) == [
                "t.yaml:5:10: aliases in this file expand to more than 10000 nodes; write the values out"
            ])
    }

    @Test func honestReuseOfAnchorsLoads() {
        let text = "base: &b {cpus: 2, memory: 1gib}\n" + (0..<100).map { "vm\($0): *b" }.joined(separator: "\n") + "\n"
        #expect(errors(text).isEmpty)
    }

    // MARK: alias bombs

    /// Levels l0…l5 expand to 672,610 nodes; the first `*l5` of l6 (line 7, column 10) passes a million.
    @Test func aBillionLaughsBombIsRefusedAtTheAliasThatPassesTheCap() {
        let result = load(Self.billionLaughs(), limits: Self.expansionOnly)
        #expect(result.documents.isEmpty)
        #expect(
            result.errors.map(\.description) == [
                "t.yaml:7:10: file expands to more than 1000000 nodes (an alias bomb?); refusing it"
            ])
    }

    @Test func aBombUsedAsAMappingKeyIsRefusedByTheCapBeforeItIsAKey() {
        let text = Self.billionLaughs(levels: 6) + "? *l5\n: boom\n"
        #expect(
            errors(text, limits: Self.expansionOnly) == [
                "t.yaml:7:3: file expands to more than 1000000 nodes (an alias bomb?); refusing it"
            ])
    }

    @Test func aSmallerAliasUsedAsAMappingKeyIsRefusedAsANonScalarKey() {
        let text = Self.billionLaughs(levels: 5) + "? *l4\n: boom\n"
        #expect(
            errors(text, limits: Self.expansionOnly) == ["t.yaml:6:3: a mapping key must be a plain string, not a list"]
        )
    }

    @Test func bombsUnderTheCapStillLoadAndShareTheirNodes() throws {
        let node = try root(Self.billionLaughs(levels: 3, width: 3))
        let top = try #require(node["l2"]?.items)
        #expect(top.count == 3)
        #expect(top.allSatisfy { $0.items?.count == 3 })
        #expect(top[2].items?[2].items?.map(\.scalar) == ["lol", "lol", "lol"])
    }

    @Test func theExpansionCapCountsEveryDocumentOfAFile() {
        // Each document alone expands to 672,610 nodes; the fourth *l4 of the second one (line 13, column 25) passes a
        // million.
        let one = Self.billionLaughs(levels: 6)
        #expect(errors(one, limits: Self.expansionOnly).isEmpty)
        #expect(
            errors(one + "---\n" + one, limits: Self.expansionOnly) == [
                "t.yaml:13:25: file expands to more than 1000000 nodes (an alias bomb?); refusing it"
            ])
    }

    @Test func theAliasCapCountsAliasUses() {
        func aliases(_ n: Int) -> String {
            "a: &a x\nl: [" + Array(repeating: "*a", count: n).joined(separator: ", ") + "]\n"
        }
        #expect(errors(aliases(256)).isEmpty)
        // The 257th alias starts at column 5 + 4 × 256.
        #expect(errors(aliases(257)) == ["t.yaml:2:1029: more than 256 aliases in one file; write the values out"])
        // Two documents of 200 aliases each: the 57th of the second one is the 257th of the file.
        #expect(
            errors(aliases(200) + "---\n" + aliases(200)) == [
                "t.yaml:5:229: more than 256 aliases in one file; write the values out"
            ])
    }

    @Test func anAliasToAnUndefinedAnchorIsRefused() {
        #expect(errors("a: *nowhere\n") == ["t.yaml:1:4: alias *nowhere names no anchor defined before it"])
    }

    @Test func theExpansionCapAlsoCountsPlainNodes() {
        let limits = YAMLLimits(maxExpandedNodes: 10)
        #expect(errors("[1, 2, 3, 4, 5, 6, 7, 8]", limits: limits).isEmpty)
        #expect(
            errors("[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]", limits: limits) == [
                "t.yaml:1:29: file expands to more than 10 nodes (an alias bomb?); refusing it"
            ])
    }

    // MARK: nesting

    @Test func tenThousandNestedFlowListsAreRefusedAtLevel65() {
        let text = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(errors(text) == ["t.yaml:1:65: nesting deeper than 64 levels; flatten the document"])
    }

    @Test func tenThousandNestedFlowMappingsAreRefusedAtLevel65() {
        let text = String(repeating: "{a: ", count: 10_000) + "x" + String(repeating: "}", count: 10_000)
        #expect(errors(text) == ["t.yaml:1:257: nesting deeper than 64 levels; flatten the document"])
    }

    @Test func tenThousandNestedBlockListsAreRefusedAtLevel65() {
        let text = String(repeating: "- ", count: 10_000) + "x\n"
        #expect(errors(text) == ["t.yaml:1:129: nesting deeper than 64 levels; flatten the document"])
    }

    @Test func deeplyIndentedBlockMappingsAreRefusedAtLevel65() {
        // Line i holds key k<i> indented by i - 1 spaces; the mapping under line 64's key is the 65th level.
        let text =
            (1...1_000).map { String(repeating: " ", count: $0 - 1) + "k\($0):" }.joined(separator: "\n") + " x\n"
        #expect(errors(text) == ["t.yaml:65:65: nesting deeper than 64 levels; flatten the document"])
    }

    @Test func nestingOfExactlyTheCapLoads() throws {
        let text = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        var node = try root(text)
        var depth = 1
        while let first = node.items?.first {
            node = first
            depth += 1
        }
        #expect(depth == 64)
    }

    @Test func aLowerDepthCapIsHonoured() {
        #expect(errors("a: {b: {c: 1}}", limits: YAMLLimits(maxDepth: 3)).isEmpty)
        #expect(
            errors("a: {b: {c: [1]}}", limits: YAMLLimits(maxDepth: 3)) == [
                "t.yaml:1:12: nesting deeper than 3 levels; flatten the document"
            ])
    }

    // MARK: long collections

    /// Lists and mappings grow in place: a file at the size cap that is one flat list or mapping loads whole (this
    /// took minutes while each entry copied the collection).
    @Test func aFlatListAtTheSizeCapLoadsEveryItem() throws {
        let count = 500_000
        let text = "[" + Array(repeating: "1", count: count).joined(separator: ",") + "]"
        #expect(text.utf8.count <= YAMLLimits.default.maxFileBytes)
        #expect(try root(text).items?.count == count)
    }

    @Test func aFlatMappingOfManyKeysLoadsEveryPair() throws {
        let count = 90_000
        let text = "{" + (0..<count).map { "k\($0): 1" }.joined(separator: ", ") + "}"
        #expect(text.utf8.count <= YAMLLimits.default.maxFileBytes)
        let pairs = try #require(try root(text).pairs)
        #expect(pairs.count == count)
        #expect(pairs.last?.key.scalar == "k89999")
    }

    // MARK: size

    @Test func aFileOverTheSizeCapIsRefusedBeforeParsing() {
        let atCap = [UInt8]("# ".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: (1 << 20) - 3) + [0x0A]
        #expect(atCap.count == 1 << 20)
        #expect(errors(bytes: atCap).isEmpty)
        // One byte more, and invalid UTF-8 in it: the size is what is reported, without reading the bytes.
        #expect(
            errors(bytes: atCap + [0xFF]) == [
                "t.yaml:1:1: file is 1048577 bytes, over the limit of 1048576 bytes per spec file; split it into smaller files"
            ])
    }

    @Test func aLowerSizeCapIsHonoured() {
        #expect(errors("a: 1234\n", limits: YAMLLimits(maxFileBytes: 8)).isEmpty)
        #expect(
            errors("a: 12345\n", limits: YAMLLimits(maxFileBytes: 8)) == [
                "t.yaml:1:1: file is 9 bytes, over the limit of 8 bytes per spec file; split it into smaller files"
            ])
    }
}
