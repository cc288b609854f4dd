/// Where a secret's value comes from at run time. A spec only ever holds the reference, never the value.
public enum SecretReference: Sendable, Hashable, CustomStringConvertible {
    /// An environment variable of the Kiln process; its name must start with `KILN_`, so a spec cannot read
    /// unrelated variables (cloud credentials, tokens) of Kiln's host.
    case fromEnv(String)
    /// A file in Kiln's secrets folder (`--secrets-dir`), named by a relative path.
    case fromFile(String)

    /// The mask shown wherever a secret would appear.
    public static let mask = "************"

    init?(_ value: SpecValue?) {
        if let name = value?["fromEnv"]?.string {
            self = .fromEnv(name)
        } else if let path = value?["fromFile"]?.string {
            self = .fromFile(path)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .fromEnv(let name): "fromEnv \(name)"
        case .fromFile(let path): "fromFile \(path)"
        }
    }

    static func envNameProblem(_ name: String) -> String? {
        let valid =
            !name.isEmpty
            && name.utf8.allSatisfy { c in
                (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c == 0x5F
            }
        guard valid, name.first?.isNumber == false else {
            return "\(JSONText.quoted(name)) is not an environment variable name (upper-case letters, digits, _)"
        }
        guard name.hasPrefix("KILN_"), name.count > 5 else {
            return "\(JSONText.quoted(name)) must start with KILN_: specs may only read variables meant for them"
        }
        return nil
    }
}
