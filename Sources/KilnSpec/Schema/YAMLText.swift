/// Writes spec values as block-style YAML (status files, `kiln get -o yaml`). Strings are quoted whenever a YAML
/// reader could take them for something else (`yes`, `1.0`, `null`, a leading `*` …), so the output reads back as
/// written by any YAML 1.1 or 1.2 parser.
public enum YAMLText {
    /// A document whose top-level keys keep the given order; nested mappings are sorted by key.
    public static func document(_ pairs: [(String, SpecValue)]) -> String {
        var out = ""
        for (key, value) in pairs { entry(key, value, indent: 0, into: &out) }
        return out
    }

    public static func document(_ value: SpecValue) -> String {
        guard case .object(let fields) = value else {
            var out = ""
            scalarOrBlock(value, indent: 0, into: &out)
            return out
        }
        return document(fields.keys.sorted().map { ($0, fields[$0]!) })
    }

    /// Keys that read best first in a mapping (a condition's `type`, a list entry's `name`); the rest are sorted.
    static let leading = ["type", "name", "id", "buildNumber", "status", "reason", "message"]

    static func ordered(_ keys: Dictionary<String, SpecValue>.Keys) -> [String] {
        keys.sorted { a, b in
            let ia = leading.firstIndex(of: a) ?? leading.count
            let ib = leading.firstIndex(of: b) ?? leading.count
            return ia != ib ? ia < ib : a < b
        }
    }

    private static func entry(_ key: String, _ value: SpecValue, indent: Int, into out: inout String) {
        out += String(repeating: " ", count: indent) + scalarString(key) + ":"
        switch value {
        case .object(let fields) where !fields.isEmpty:
            out += "\n"
            for k in ordered(fields.keys) { entry(k, fields[k]!, indent: indent + 2, into: &out) }
        case .list(let items) where !items.isEmpty:
            out += "\n"
            for item in items { listItem(item, indent: indent, into: &out) }
        default:
            out += " " + inline(value) + "\n"
        }
    }

    private static func listItem(_ value: SpecValue, indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent)
        switch value {
        case .object(let fields) where !fields.isEmpty:
            var first = true
            for k in ordered(fields.keys) {
                var line = ""
                entry(k, fields[k]!, indent: indent + 2, into: &line)
                if first {
                    out += pad + "- " + line.dropFirst(indent + 2)
                    first = false
                } else {
                    out += line
                }
            }
        case .list(let items) where !items.isEmpty:
            out += pad + "-\n"
            for item in items { listItem(item, indent: indent + 2, into: &out) }
        default:
            out += pad + "- " + inline(value) + "\n"
        }
    }

    private static func scalarOrBlock(_ value: SpecValue, indent: Int, into out: inout String) {
        switch value {
        case .list(let items) where !items.isEmpty:
            for item in items { listItem(item, indent: indent, into: &out) }
        default:
            out += inline(value) + "\n"
        }
    }

    private static func inline(_ value: SpecValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let b): b ? "true" : "false"
        case .int(let i): String(i)
        case .double(let d): d.isFinite ? String(d) : (d.isNaN ? ".nan" : (d > 0 ? ".inf" : "-.inf"))
        case .string(let s): scalarString(s)
        case .list: "[]"
        case .object: "{}"
        }
    }

    static let reserved: Set<String> = ["", "~", "null", "true", "false", "yes", "no", "on", "off", "y", "n"]

    /// A string as a plain scalar when that is unambiguous, otherwise double-quoted (JSON quoting is valid YAML).
    public static func scalarString(_ s: String) -> String {
        let lower = s.lowercased()
        let plainSafe = !reserved.contains(lower)
            && s.first.map { $0.isLetter || $0 == "/" || $0 == "_" || $0 == "." } == true
            && s.last != " " && s.last != ":"
            && !s.contains(": ") && !s.contains(" #") && !s.contains("\n") && !s.contains("\t")
            && s.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F }
            && !s.contains(where: { "{}[],&*!|>'\"%@`".contains($0) })
            && Double(s) == nil && !lower.hasPrefix(".inf") && !lower.hasPrefix(".nan")
        return plainSafe ? s : JSONText.quoted(s)
    }
}
