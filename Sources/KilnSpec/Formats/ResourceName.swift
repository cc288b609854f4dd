/// Object names follow the MWS rule — letters, digits, periods, dashes and underscores — with 1 to 63 characters.
/// Kiln also wants the first character to be a letter or digit, so that a name is never `.`, `..` or a hidden file
/// when it becomes part of a path under the data dir.
public enum ResourceName {
    public static let pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$"

    public static func check(_ name: String) -> FormatError? {
        if name.isEmpty { return FormatError("a name must not be empty") }
        if name.utf8.count > 63 {
            return FormatError("\(JSONText.quoted(name)) is \(name.utf8.count) characters long; a name has at most 63")
        }
        let allowed = name.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2E || c == 0x2D
                || c == 0x5F
        }
        if !allowed {
            return FormatError("\(JSONText.quoted(name)) may contain only letters, digits, '.', '-' and '_'")
        }
        if let first = name.utf8.first, first == 0x2E || first == 0x2D || first == 0x5F {
            return FormatError("\(JSONText.quoted(name)) must start with a letter or digit")
        }
        return nil
    }
}
