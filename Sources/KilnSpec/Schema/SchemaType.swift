/// A declarative description of a spec's shape. One description serves three readers: the validator (which also
/// normalises YAML into ``SpecValue``), the JSON Schema writer (`specs/*.schema.json`) and the documentation.
public indirect enum SchemaType: Sendable {
    /// A scalar read as written (a plain `yes` stays the string "yes"), checked against a format.
    case string(StringFormat)
    case integer(min: Int?, max: Int?)
    case boolean
    /// A boolean that may only be written `true` (a build source's `scratch: true`).
    case literalTrue
    case list(SchemaType, unique: Bool = false)
    case object(ObjectSchema)
    /// A mapping with keys of one kind and values of one type (labels: string → string).
    case map(SchemaType, keys: MapKeys = .text)
    /// A free-form mapping kept as given (Morpheus `config`, MWS `extensions`).
    case freeform
    /// A reference to a secret (`{fromEnv: NAME}` or `{fromFile: PATH}`): a clear-text value is refused.
    case secret
    /// Either a name (string) or an object, as the VM builder service's `image`.
    case nameOrObject(StringFormat, ObjectSchema)
}

/// What the keys of a ``SchemaType/map(_:keys:)`` must look like.
public enum MapKeys: Sendable {
    /// Any text.
    case text
    /// An environment variable name a POSIX shell can export: `[A-Za-z_][A-Za-z0-9_]*`.
    case variableName

    /// The JSON Schema `pattern` of such keys, if any.
    var pattern: String? {
        switch self {
        case .text: nil
        case .variableName: "^[A-Za-z_][A-Za-z0-9_]*$"
        }
    }

    /// Why `key` is not such a key, or nil.
    func problem(_ key: String) -> String? {
        switch self {
        case .text:
            return nil
        case .variableName:
            let letter: (Unicode.Scalar) -> Bool = { $0 == "_" || ("A"..."Z").contains($0) || ("a"..."z").contains($0) }
            guard let first = key.unicodeScalars.first, letter(first),
                key.unicodeScalars.allSatisfy({ letter($0) || ("0"..."9").contains($0) })
            else {
                return
                    "\(JSONText.quoted(key)) is not an environment variable name (letters, digits and '_', not starting with a digit)"
            }
            return nil
        }
    }
}

/// What a string must look like.
public enum StringFormat: Sendable {
    case text
    /// An object name: letters, digits, `.`, `-`, `_`, 1–63 characters, starting with a letter or digit.
    case name
    case oneOf([String])
    /// A size in IEC units: `1gib`, `1024mib`, `1048576kib`.
    case iecSize(min: UInt64, max: UInt64)
    /// A duration: `90s`, `10m`, `1h30m`.
    case duration
    /// `algo:hex` with md5, sha1, sha256 or sha512.
    case checksum
    /// Hex digits of a checksum whose algorithm is named in a sibling field (`checksumType`), or `algo:hex` on its own
    /// (the sibling may then be left out; when given, it must agree).
    case hexDigest
    /// An untrusted `http`/`https` URL.
    case url
    /// A path inside the spec root.
    case repoPath
    /// A literal value (`apiVersion: kiln.dev/v1`).
    case constant(String)
    /// A Debian package, suite or component name (Debian policy 5.6.1): lower-case letters, digits, `+`, `-`, `.`,
    /// starting with a letter or digit, at least two characters; nothing a shell would read.
    case debianName
    /// A kernel command line: printable ASCII only, at most 1 KiB.
    case commandLine
    /// A fleet host's name (``HostName``).
    case hostName
}

/// One field of an object.
public struct FieldSchema: Sendable {
    public var name: String
    public var type: SchemaType
    public var required: Bool
    public var defaultValue: SpecValue?
    public var doc: String

    public init(
        _ name: String, _ type: SchemaType, required: Bool = false, default defaultValue: SpecValue? = nil, doc: String
    ) {
        self.name = name
        self.type = type
        self.required = required
        self.defaultValue = defaultValue
        self.doc = doc
    }
}

/// The fields of an object and the rules that tie them together.
public struct ObjectSchema: Sendable {
    public var fields: [FieldSchema]
    public var rules: [ObjectRule]
    public var doc: String

    public init(_ fields: [FieldSchema], rules: [ObjectRule] = [], doc: String = "") {
        self.fields = fields
        self.rules = rules
        self.doc = doc
    }

    public func field(_ name: String) -> FieldSchema? {
        fields.first { $0.name == name }
    }
}

/// A rule across fields of one object.
public enum ObjectRule: Sendable {
    /// `field` may be set only when `other` equals `value` (MWS: `templateName` only with `type: linkedclone`).
    case onlyWhen(field: String, other: String, equals: SpecValue)
    /// At least one of the boolean fields must be true (MWS: `supportsPhysicalMachine` / `supportsVirtualMachine`).
    case atLeastOneTrue([String])
    /// Exactly one of the fields must be set (a build source is `scratch`, `url` or `path`).
    case exactlyOne([String])
    /// When `field` is set, `needs` must be set too (`url` needs `checksum`).
    case requires(field: String, needs: String)
}
