import Foundation
import KilnSpec

/// Reads the block-style YAML that Kiln writes (status files, `kiln get -o yaml`) back into spec values: mappings of
/// `key: value` indented by two spaces, lists of `- ` items, double-quoted (JSON) or plain scalars, `{}`, `[]`.
/// Anything outside that subset is an error, so a malformed status file fails the test that reads it.
public enum StatusYAML {
    public struct Malformed: Error, CustomStringConvertible {
        public var line: Int
        public var text: String
        public init(line: Int, text: String) {
            self.line = line
            self.text = text
        }

        public var description: String { "status YAML line \(line) is not what Kiln writes: \(text)" }
    }

    public static func parse(_ text: String) throws -> SpecValue {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            .filter { !$0.element.trimmingCharacters(in: .whitespaces).isEmpty }
            .map {
                Line(number: $0.offset + 1, indent: $0.element.prefix { $0 == " " }.count, text: String($0.element))
            }
        var reader = Reader(lines: lines)
        guard !lines.isEmpty else { return .null }
        let value = try reader.block(indent: lines[0].indent)
        if reader.index < lines.count {
            throw Malformed(line: lines[reader.index].number, text: lines[reader.index].text)
        }
        return value
    }

    /// Reads a status file.
    public static func read(_ path: String) throws -> SpecValue {
        try parse(try String(contentsOfFile: path, encoding: .utf8))
    }

    struct Line {
        public var number: Int
        public var indent: Int
        public var text: String
        public var body: Substring { text.dropFirst(indent) }
    }

    struct Reader {
        public let lines: [Line]
        public var index = 0

        public mutating func block(indent: Int) throws -> SpecValue {
            lines[index].body.hasPrefix("- ") || lines[index].body == "-"
                ? try list(indent: indent) : try mapping(indent: indent)
        }

        public mutating func mapping(indent: Int, first: Substring? = nil) throws -> SpecValue {
            var fields: [String: SpecValue] = [:]
            var pending = first
            while true {
                let body: Substring
                let number: Int
                if let p = pending {
                    body = p
                    number = lines[index - 1].number
                    pending = nil
                } else {
                    guard index < lines.count, lines[index].indent == indent, !lines[index].body.hasPrefix("-") else {
                        break
                    }
                    body = lines[index].body
                    number = lines[index].number
                    index += 1
                }
                let (key, rest) = try Self.splitKey(body, line: number)
                if rest.isEmpty {
                    // A nested block: a list at the same indent, or a mapping further in.
                    if index < lines.count, lines[index].indent == indent, lines[index].body.hasPrefix("- ") {
                        fields[key] = try list(indent: indent)
                    } else if index < lines.count, lines[index].indent > indent {
                        fields[key] = try block(indent: lines[index].indent)
                    } else {
                        throw Malformed(line: number, text: String(body))
                    }
                } else {
                    fields[key] = try Self.scalar(rest, line: number)
                }
            }
            return .object(fields)
        }

        public mutating func list(indent: Int) throws -> SpecValue {
            var items: [SpecValue] = []
            while index < lines.count, lines[index].indent == indent, lines[index].body.hasPrefix("- ") {
                let line = lines[index]
                let rest = line.body.dropFirst(2)
                index += 1
                if Self.looksLikeEntry(rest) {
                    items.append(try mapping(indent: indent + 2, first: rest))
                } else {
                    items.append(try Self.scalar(rest, line: line.number))
                }
            }
            return .list(items)
        }

        /// Whether a list item's text starts a mapping (`key: value` or `key:`), not a scalar.
        public static func looksLikeEntry(_ text: Substring) -> Bool {
            if text.hasPrefix("\"") {
                guard let (_, rest) = try? quotedPrefix(text) else { return false }
                return rest.hasPrefix(":")
            }
            return text.contains(": ") || text.hasSuffix(":")
        }

        public static func splitKey(_ text: Substring, line: Int) throws -> (String, Substring) {
            if text.hasPrefix("\"") {
                let (key, rest) = try quotedPrefix(text)
                guard rest.hasPrefix(":") else { throw Malformed(line: line, text: String(text)) }
                return (key, rest.dropFirst().drop { $0 == " " })
            }
            if let range = text.range(of: ": ") {
                return (String(text[..<range.lowerBound]), text[range.upperBound...])
            }
            guard text.hasSuffix(":") else { throw Malformed(line: line, text: String(text)) }
            return (String(text.dropLast()), "")
        }

        /// A JSON-quoted string at the start of `text`, and what follows it.
        public static func quotedPrefix(_ text: Substring) throws -> (String, Substring) {
            var escaped = false
            for i in text.indices.dropFirst() {
                let c = text[i]
                if escaped {
                    escaped = false
                    continue
                }
                if c == "\\" {
                    escaped = true
                    continue
                }
                if c == "\"" {
                    let literal = text[...i]
                    let value = try JSONDecoder().decode(String.self, from: Data(literal.utf8))
                    return (value, text[text.index(after: i)...])
                }
            }
            throw Malformed(line: 0, text: String(text))
        }

        public static func scalar(_ text: Substring, line: Int) throws -> SpecValue {
            switch text {
            case "null": return .null
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "[]": return .list([])
            case "{}": return .object([:])
            default: break
            }
            if text.hasPrefix("\"") {
                let (value, rest) = try quotedPrefix(text)
                guard rest.isEmpty else { throw Malformed(line: line, text: String(text)) }
                return .string(value)
            }
            if let int = Int(text) { return .int(int) }
            if let double = Double(text) { return .double(double) }
            return .string(String(text))
        }
    }
}
