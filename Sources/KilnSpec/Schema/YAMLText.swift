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
    /// One pass over the UTF-8 bytes: status files hold tens of thousands of strings.
    public static func scalarString(_ s: String) -> String {
        plainSafe(s) ? s : JSONText.quoted(s)
    }

    static func plainSafe(_ s: String) -> Bool {
        var utf8 = s.utf8.makeIterator()
        guard let first = utf8.next() else { return false }
        // A letter (any non-ASCII byte starts a letter or symbol that YAML reads as text), '/', '_' or '.'.
        let isLetter = (first >= 0x41 && first <= 0x5A) || (first >= 0x61 && first <= 0x7A) || first >= 0x80
        guard isLetter || first == 0x2F || first == 0x5F || first == 0x2E else { return false }
        var previous = first
        var last = first
        while let c = utf8.next() {
            if c < 0x20 || c == 0x7F { return false }
            switch c {
            case 0x7B, 0x7D, 0x5B, 0x5D, 0x2C, 0x26, 0x2A, 0x21, 0x7C, 0x3E, 0x27, 0x22, 0x25, 0x40, 0x60: return false
            case 0x20 where previous == 0x3A: return false  // ": "
            case 0x23 where previous == 0x20: return false  // " #"
            default: break
            }
            previous = c
            last = c
        }
        if last == 0x20 || last == 0x3A { return false }
        if first == 0x2E {
            let lower = s.lowercased()
            if lower.hasPrefix(".inf") || lower.hasPrefix(".nan") || Double(s) != nil { return false }
        }
        if s.utf8.count <= 5, reserved.contains(s.lowercased()) { return false }
        return true
    }
}
