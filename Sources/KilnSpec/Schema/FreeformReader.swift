import KilnYAML

/// Reads free-form YAML (Morpheus `config`, MWS `extensions`) with YAML 1.2's core schema: plain `true`, `false`,
/// `null`, integers and floats are typed; everything else, and every quoted scalar, is a string. YAML 1.1's `yes`/`on`
/// stay strings.
enum FreeformReader {
    static func read(_ node: YAMLNode) -> SpecValue {
        switch node.value {
        case .scalar(let text, let style):
            guard style == .plain, node.tag != YAMLTag.str else { return .string(text) }
            return scalar(text)
        case .sequence(let items):
            return .list(items.map(read))
        case .mapping(let pairs):
            var fields: [String: SpecValue] = [:]
            for pair in pairs { fields[pair.key.scalar ?? ""] = read(pair.value) }
            return .object(fields)
        }
    }

    static func scalar(_ text: String) -> SpecValue {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        default: break
        }
        let unsigned = text.hasPrefix("-") || text.hasPrefix("+") ? text.dropFirst() : Substring(text)
        if !unsigned.isEmpty, unsigned.allSatisfy({ $0.isASCII && $0.isNumber }),
            let n = Int(text.hasPrefix("+") ? String(unsigned) : text)
        {
            return .int(n)
        }
        if text.hasPrefix("0x"), let n = Int(text.dropFirst(2), radix: 16) { return .int(n) }
        if text.hasPrefix("0o"), let n = Int(text.dropFirst(2), radix: 8) { return .int(n) }
        if looksLikeFloat(unsigned), let d = Double(text) { return .double(d) }
        return .string(text)
    }

    private static func looksLikeFloat(_ s: Substring) -> Bool {
        guard let first = s.first, first.isNumber || first == "." else { return false }
        return s.allSatisfy {
            $0.isASCII && ($0.isNumber || $0 == "." || $0 == "e" || $0 == "E" || $0 == "-" || $0 == "+")
        }
    }
}
