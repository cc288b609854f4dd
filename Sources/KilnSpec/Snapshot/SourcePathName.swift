/// File and folder names under a spec root that Kiln refuses to read: a name that is not UTF-8, or that holds a
/// control character (a newline would forge lines in every error listing and status file; an escape sequence would
/// paint the operator's terminal; a bidirectional override would show one name and mean another).
public enum SourcePathName {
    /// Why `path` is refused, or nil. A name that was not UTF-8 reaches Swift with U+FFFD in place of its bad bytes.
    public static func problem(_ path: String) -> String? {
        if path.unicodeScalars.contains("\u{FFFD}") {
            return "the file name is not valid UTF-8; rename it"
        }
        if path.unicodeScalars.contains(where: isControl) {
            return "the file name holds a control character; rename it"
        }
        return nil
    }

    /// `path` with each control character written as `\u{…}` and each invalid byte as `?`, safe to print.
    public static func shown(_ path: String) -> String {
        var out = ""
        for scalar in path.unicodeScalars {
            if scalar == "\u{FFFD}" {
                out += "?"
            } else if isControl(scalar) {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// C0, DEL, C1, and the bidirectional embeddings, overrides and isolates.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0..<0x20, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }
}
