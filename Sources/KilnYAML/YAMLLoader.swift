import CYAML

/// Reads YAML streams through libyaml's event API into ``YAMLNode`` trees that keep every node's position.
///
/// What it refuses, each with `file:line:column`: bytes that are not UTF-8, NUL and other control bytes, files over
/// the size cap, nesting deeper than the depth cap, more aliases or expanded nodes than the caps (an alias bomb stops
/// as soon as the count passes the cap, before anything is copied), duplicate keys (naming both places), keys that are
/// not scalars, and tags outside YAML's core schema.
public enum YAMLLoader {
    /// What loading one file gave: its documents, or the reasons it was refused.
    public struct Result: Sendable {
        public var documents: [YAMLDocument]
        public var errors: [YAMLError]
    }

    public static func load(_ bytes: [UInt8], file: String, limits: YAMLLimits = .default) -> Result {
        if bytes.count > limits.maxFileBytes {
            return Result(
                documents: [],
                errors: [
                    YAMLError(
                        file: file, mark: Mark(line: 1, column: 1),
                        message:
                            "file is \(bytes.count) bytes, over the limit of \(limits.maxFileBytes) bytes per spec file; split it into smaller files"
                    )
                ])
        }
        if let error = ByteCheck.firstProblem(in: bytes) {
            return Result(documents: [], errors: [YAMLError(file: file, mark: error.mark, message: error.message)])
        }
        var builder = TreeBuilder(file: file, limits: limits)
        return bytes.withUnsafeBufferPointer { buffer in builder.run(buffer) }
    }

    public static func load(_ text: String, file: String, limits: YAMLLimits = .default) -> Result {
        load(Array(text.utf8), file: file, limits: limits)
    }
}

/// Turns libyaml events into nodes with an explicit stack, so deep input costs no native stack.
private struct TreeBuilder {
    enum Frame {
        case sequence(items: [YAMLNode], mark: Mark, tag: String?, anchor: String?, count: Int)
        case mapping(
            pairs: [YAMLNode.Pair], pendingKey: YAMLNode?, seen: [String: Mark], mark: Mark, tag: String?,
            anchor: String?, count: Int)
    }

    let file: String
    let limits: YAMLLimits
    var stack: [Frame] = []
    var anchors: [String: (node: YAMLNode, count: Int)] = [:]
    var aliases = 0
    /// Nodes that aliases copied: small for honest reuse, huge for a bomb spread over many small files.
    var aliasNodes = 0
    var expanded = 0
    var documents: [YAMLDocument] = []
    var errors: [YAMLError] = []
    var documentMark = Mark(line: 1, column: 1)
    var root: YAMLNode?

    init(file: String, limits: YAMLLimits) {
        self.file = file
        self.limits = limits
    }

    struct Stop: Error { let error: YAMLError }

    mutating func run(_ buffer: UnsafeBufferPointer<UInt8>) -> YAMLLoader.Result {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            return .init(
                documents: [], errors: [fail(Mark(line: 1, column: 1), "libyaml could not start (out of memory?)")])
        }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
        if let base = buffer.baseAddress {
            yaml_parser_set_input_string(&parser, base, buffer.count)
        } else {
            yaml_parser_set_input_string(&parser, "", 0)
        }
        var event = yaml_event_t()
        do {
            while true {
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    throw Stop(error: parserError(parser))
                }
                defer { yaml_event_delete(&event) }
                if event.type == YAML_STREAM_END_EVENT { break }
                try handle(event)
            }
        } catch let stop as Stop {
            return .init(documents: [], errors: errors + [stop.error])
        } catch {
            return .init(documents: [], errors: [fail(Mark(line: 1, column: 1), "\(error)")])
        }
        return .init(documents: errors.isEmpty ? documents : [], errors: errors)
    }

    func fail(_ mark: Mark, _ message: String) -> YAMLError {
        YAMLError(file: file, mark: mark, message: message)
    }

    func parserError(_ parser: yaml_parser_t) -> YAMLError {
        let problem = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
        let context = parser.context.map { String(cString: $0) }
        let mark = Mark(
            line: Int(parser.problem_mark.line) + 1, column: Int(parser.problem_mark.column) + 1,
            offset: Int(parser.problem_mark.index))
        return fail(mark, context.map { "\(problem) \($0)" } ?? problem)
    }

    static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
    }

    mutating func handle(_ event: yaml_event_t) throws {
        let mark = Mark(
            line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1,
            offset: Int(event.start_mark.index))
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            // Anchors are scoped to a document; the alias and node counts are not, so that a file of many documents
            // cannot multiply the caps (YAMLLimits counts per file).
            anchors = [:]
            root = nil
            documentMark = mark
        case YAML_DOCUMENT_END_EVENT:
            documents.append(YAMLDocument(root: root, mark: documentMark, index: documents.count))
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let tag = try checkedTag(Self.string(scalar.tag), mark)
            let text =
                scalar.value.map {
                    String(decoding: UnsafeBufferPointer(start: $0, count: scalar.length), as: UTF8.self)
                } ?? ""
            let style: ScalarStyle =
                switch scalar.style {
                case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
                case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
                case YAML_LITERAL_SCALAR_STYLE: .literal
                case YAML_FOLDED_SCALAR_STYLE: .folded
                default: .plain
                }
            try count(1, mark)
            try finish(
                YAMLNode(.scalar(text, style), mark: mark, tag: tag), count: 1, anchor: Self.string(scalar.anchor))
        case YAML_ALIAS_EVENT:
            let name = Self.string(event.data.alias.anchor) ?? ""
            aliases += 1
            if aliases > limits.maxAliases {
                throw Stop(
                    error: fail(mark, "more than \(limits.maxAliases) aliases in one file; write the values out"))
            }
            guard let target = anchors[name] else {
                throw Stop(error: fail(mark, "alias *\(name) names no anchor defined before it"))
            }
            aliasNodes += target.count
            if aliasNodes > limits.maxAliasNodes {
                throw Stop(
                    error: fail(
                        mark,
                        "aliases in this file expand to more than \(limits.maxAliasNodes) nodes; write the values out"))
            }
            try count(target.count, mark)
            var node = target.node
            node.mark = mark
            try finish(node, count: target.count, anchor: nil)
        case YAML_SEQUENCE_START_EVENT:
            let start = event.data.sequence_start
            let tag = try checkedTag(Self.string(start.tag), mark)
            try push(.sequence(items: [], mark: mark, tag: tag, anchor: Self.string(start.anchor), count: 1), mark)
        case YAML_MAPPING_START_EVENT:
            let start = event.data.mapping_start
            let tag = try checkedTag(Self.string(start.tag), mark)
            try push(
                .mapping(
                    pairs: [], pendingKey: nil, seen: [:], mark: mark, tag: tag,
                    anchor: Self.string(start.anchor), count: 1), mark)
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            switch stack.removeLast() {
            case .sequence(let items, let start, let tag, let anchor, let n):
                try finish(YAMLNode(.sequence(items), mark: start, tag: tag), count: n, anchor: anchor)
            case .mapping(let pairs, _, _, let start, let tag, let anchor, let n):
                try finish(YAMLNode(.mapping(pairs), mark: start, tag: tag), count: n, anchor: anchor)
            }
        default:
            break
        }
    }

    func checkedTag(_ tag: String?, _ mark: Mark) throws -> String? {
        guard let tag else { return nil }
        guard YAMLTag.known.contains(tag) else {
            throw Stop(
                error: fail(
                    mark,
                    "unknown tag \(tag): only YAML's core tags (!!str, !!int, !!bool, !!float, !!null, !!map, !!seq) are accepted"
                ))
        }
        return tag
    }

    mutating func count(_ n: Int, _ mark: Mark) throws {
        expanded += n
        if expanded > limits.maxExpandedNodes {
            throw Stop(
                error: fail(
                    mark, "file expands to more than \(limits.maxExpandedNodes) nodes (an alias bomb?); refusing it"))
        }
    }

    mutating func push(_ frame: Frame, _ mark: Mark) throws {
        if stack.count >= limits.maxDepth {
            throw Stop(error: fail(mark, "nesting deeper than \(limits.maxDepth) levels; flatten the document"))
        }
        try count(1, mark)
        stack.append(frame)
    }

    /// Attaches a completed node to its parent (or makes it the document root) and records its anchor.
    static let placeholder = Frame.sequence(items: [], mark: Mark(line: 0, column: 0), tag: nil, anchor: nil, count: 0)

    mutating func finish(_ node: YAMLNode, count n: Int, anchor: String?) throws {
        if let anchor { anchors[anchor] = (node, n) }
        guard var top = stack.popLast() else {
            root = node
            return
        }
        // Each case first drops `top`'s reference to the frame's arrays (the placeholder below), so that they are
        // uniquely referenced and grow in place: otherwise every append copies them, and a list or mapping of n
        // entries costs n² (a 1 MiB flat list took minutes).
        switch top {
        case .sequence(var items, let mark, let tag, let anchor, let total):
            top = Self.placeholder
            items.append(node)
            top = .sequence(items: items, mark: mark, tag: tag, anchor: anchor, count: total + n)
        case .mapping(var pairs, let pendingKey, var seen, let mark, let tag, let anchor, let total):
            top = Self.placeholder
            if let key = pendingKey {
                pairs.append(.init(key: key, value: node))
                top = .mapping(
                    pairs: pairs, pendingKey: nil, seen: seen, mark: mark, tag: tag, anchor: anchor, count: total + n)
            } else {
                guard let name = node.scalar else {
                    throw Stop(error: fail(node.mark, "a mapping key must be a plain string, not \(node.shapeName)"))
                }
                if let first = seen[name] {
                    errors.append(
                        fail(node.mark, "duplicate key \"\(name)\" (first at \(file):\(first)); a key may appear once"))
                } else {
                    seen[name] = node.mark
                }
                top = .mapping(
                    pairs: pairs, pendingKey: node, seen: seen, mark: mark, tag: tag, anchor: anchor, count: total + n)
            }
        }
        stack.append(top)
    }
}
