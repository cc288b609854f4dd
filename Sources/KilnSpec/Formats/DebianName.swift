/// Debian's name grammar for packages (policy 5.6.1), also used for suites and components: lower-case letters,
/// digits, `+`, `-` and `.`, starting with a letter or digit, at least two characters. Such a name can go on a
/// command line without quoting: no shell metacharacter, no space, no leading `-`.
public enum DebianName {
    public static let pattern = "^[a-z0-9][a-z0-9+.-]+$"

    /// Why `text` is not a Debian name, or nil when it is one.
    public static func problem(_ text: String) -> String? {
        guard text.utf8.count >= 2 else {
            return "\(JSONText.quoted(text)) is too short for a Debian name (2 characters at least)"
        }
        guard text.utf8.count <= 128 else { return "a Debian name has at most 128 characters" }
        let bytes = Array(text.utf8)
        let allowed: (UInt8) -> Bool = { b in
            (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2B || b == 0x2D || b == 0x2E
        }
        guard let bad = bytes.first(where: { !allowed($0) }) else {
            let first = bytes[0]
            if first == 0x2B || first == 0x2D || first == 0x2E {
                return "\(JSONText.quoted(text)) must start with a lower-case letter or a digit"
            }
            return nil
        }
        let shown =
            bad < 0x20 || bad >= 0x7F
            ? "byte 0x" + String(bad, radix: 16) : "\(JSONText.quoted(String(UnicodeScalar(bad))))"
        return
            "\(JSONText.quoted(text)) is not a Debian name: \(shown) is not allowed (lower-case letters, digits, '+', '-' and '.' only)"
    }
}

/// A kernel command line as a spec may give it: printable ASCII (space to `~`), at most 1 KiB, since the boot loader
/// config and the kernel's own buffer take it verbatim.
public enum KernelCommandLine {
    public static let maxBytes = 1024
    public static let pattern = "^[ -~]*$"

    public static func problem(_ text: String) -> String? {
        if text.utf8.count > maxBytes {
            return "is \(text.utf8.count) bytes long; a kernel command line has at most \(maxBytes)"
        }
        if let bad = text.unicodeScalars.first(where: { $0.value < 0x20 || $0.value > 0x7E }) {
            return
                "holds a character that is not printable ASCII (U+\(String(bad.value, radix: 16, uppercase: true))); write the command line on one line, with plain ASCII"
        }
        return nil
    }
}
