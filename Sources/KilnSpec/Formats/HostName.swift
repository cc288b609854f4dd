/// A fleet host's name, as `kiln serve --host-name` takes it and `placement.host` names it: ASCII letters, digits,
/// `-`, `_` and `.`, 1 to 253 characters (a DNS name fits).
public enum HostName {
    public static let pattern = "^[A-Za-z0-9._-]{1,253}$"

    /// Why `text` is not a host name, or nil when it is one.
    public static func problem(_ text: String) -> String? {
        guard !text.isEmpty else { return "a host name must not be empty" }
        guard text.utf8.count <= 253 else { return "a host name has at most 253 characters" }
        let allowed: (UInt8) -> Bool = { b in
            (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b == 0x2D
                || b == 0x2E || b == 0x5F
        }
        guard let bad = text.utf8.first(where: { !allowed($0) }) else { return nil }
        let shown =
            bad < 0x20 || bad >= 0x7F
            ? "byte 0x" + String(bad, radix: 16) : "\(JSONText.quoted(String(UnicodeScalar(bad))))"
        return
            "\(JSONText.quoted(text)) is not a host name: \(shown) is not allowed (letters, digits, '-', '_' and '.' only)"
    }
}
