/// Writes a kind's schema as JSON Schema (draft 2020-12), for editors with a YAML language server and for third-party
/// validators. Kiln's own validation stays the authority: checks that need more than one document (unique names,
/// references, files named by specs) or a network view (link-local addresses) are Kiln's alone.
public enum JSONSchemaWriter {
    public static let draft = "https://json-schema.org/draft/2020-12/schema"

    public static func document(_ kind: Kind) -> SpecValue {
        guard case .object(var root) = object(KindSchemas.document(kind)) else { return .null }
        root["$schema"] = .string(draft)
        root["$id"] = .string("https://kiln.dev/schemas/v1/\(kind.slug).schema.json")
        root["title"] = .string("Kiln \(kind.rawValue)")
        // DocumentParser reserves annotations under kiln.dev/ for Kiln.
        let reserved = "^" + ObjectMetadata.reservedPrefix.replacingOccurrences(of: ".", with: "\\.")
        return updating(.object(root), at: ["properties", "metadata", "properties", "annotations"]) {
            $0["propertyNames"] = .object(["not": .object(["pattern": .string(reserved)])])
        }
    }

    /// `value` with the object at `path` changed.
    static func updating(
        _ value: SpecValue, at path: ArraySlice<String>, _ change: (inout [String: SpecValue]) -> Void
    ) -> SpecValue {
        guard case .object(var fields) = value else { return value }
        if let key = path.first {
            if let child = fields[key] { fields[key] = updating(child, at: path.dropFirst(), change) }
        } else {
            change(&fields)
        }
        return .object(fields)
    }

    /// YAML scalars that Kiln reads as written into a string field may be typed as numbers or booleans by a YAML 1.2
    /// loader (`token: 1`), so plain-text fields accept those too.
    static let scalarTypes: SpecValue = .list([.string("string"), .string("number"), .string("boolean")])

    static func type(_ t: SchemaType) -> [String: SpecValue] {
        switch t {
        case .string(let format): return string(format)
        case .integer(let min, let max):
            var out: [String: SpecValue] = ["type": .string("integer")]
            if let min { out["minimum"] = .int(min) }
            if let max { out["maximum"] = .int(max) }
            return out
        case .boolean: return ["type": .string("boolean")]
        case .literalTrue: return ["const": .bool(true)]
        case .list(let item, let unique):
            var out: [String: SpecValue] = ["type": .string("array"), "items": .object(type(item))]
            if unique { out["uniqueItems"] = .bool(true) }
            return out
        case .object(let schema):
            guard case .object(let out) = object(schema) else { return [:] }
            return out
        case .map(let value, let keys):
            var out: [String: SpecValue] = ["type": .string("object"), "additionalProperties": .object(type(value))]
            if let pattern = keys.pattern { out["propertyNames"] = .object(["pattern": .string(pattern)]) }
            return out
        case .freeform:
            return ["type": .string("object")]
        case .secret:
            func reference(_ key: String, _ extra: [String: SpecValue]) -> SpecValue {
                .object([
                    "type": .string("object"), "required": .list([.string(key)]), "additionalProperties": .bool(false),
                    "properties": .object([key: .object(["type": .string("string")].merging(extra) { $1 })])
                ])
            }
            return [
                "description": .string("A secret reference; a clear-text value is refused."),
                "oneOf": .list([
                    reference("fromEnv", ["pattern": .string("^KILN_[A-Z0-9_]+$")]),
                    reference("fromFile", ["type": scalarTypes, "pattern": .string(repoPathPattern)])
                ])
            ]
        case .nameOrObject(let format, let schema):
            return ["anyOf": .list([.object(string(format)), object(schema)])]
        }
    }

    /// What ``RepoPath`` accepts: segments between single slashes, none empty, `..` or `.git`, no backslash, and not
    /// only `.` segments. A number or boolean written plainly is a path as written, so those are accepted too.
    static let repoPathPattern = #"^(?!(?:\./)*\.$)(?:(?!\.\.(?:/|$)|\.git(?:/|$))[^/\\]+/)*(?!\.\.$|\.git$)[^/\\]+$"#

    static func string(_ format: StringFormat) -> [String: SpecValue] {
        func typed(_ pattern: String) -> [String: SpecValue] {
            ["type": .string("string"), "pattern": .string(pattern)]
        }
        switch format {
        case .text: return ["type": scalarTypes]
        case .constant(let value): return ["const": .string(value)]
        case .oneOf(let values): return ["enum": .list(values.map(SpecValue.string))]
        case .name:
            // A name written as a plain number is the name as written (2024); a YAML 1.2 loader hands the schema a
            // number, which can only be a name when it does not start with '-'.
            return [
                "anyOf": .list([
                    .object(["type": .string("string"), "pattern": .string(ResourceName.pattern)]),
                    .object(["type": .string("number"), "minimum": .int(0)]),
                    .object(["type": .string("boolean")])
                ])
            ]
        case .iecSize(let min, let max): return typed(iecSizePattern(min: min, max: max))
        case .duration: return typed("^([0-9]{1,9}(ms|s|m|h))+$")
        case .checksum:
            return typed(
                "^([Mm][Dd]5:[0-9a-fA-F]{32}|[Ss][Hh][Aa]1:[0-9a-fA-F]{40}|[Ss][Hh][Aa]256:[0-9a-fA-F]{64}|[Ss][Hh][Aa]512:[0-9a-fA-F]{128})$"
            )
        case .hexDigest:
            return [
                "type": .list([.string("string"), .string("integer")]),
                "pattern": .string(
                    "^(" + Checksum.Algorithm.allCases.map { caseless($0.rawValue) + ":" }.joined(separator: "|")
                        + ")?[0-9a-fA-F]+$")
            ]
        case .url:
            // http(s), a host (a bracketed address, or a name without spaces, backslashes or credentials) and an
            // optional numeric port; which hosts may be contacted is Kiln's address policy, not a shape.
            return typed(#"^[Hh][Tt][Tt][Pp][Ss]?://(\[[^\]/@\s\\]+\]|[^\[\]/?#@:\s\\]+)(:[0-9]*)?([/?#].*)?$"#)
        case .repoPath: return ["type": scalarTypes, "pattern": .string(repoPathPattern)]
        case .debianName: return typed(DebianName.pattern)
        case .hostName: return typed(HostName.pattern)
        case .commandLine:
            return [
                "type": .string("string"), "pattern": .string(KernelCommandLine.pattern),
                "maxLength": .int(KernelCommandLine.maxBytes)
            ]
        }
    }

    /// IEC sizes from `min` to `max` bytes, as ``IECSize`` reads them: per unit, the whole numbers in range (leading
    /// zeros allowed, letter case free).
    /// A regex for `text` in any letter case (`sha1` → `[Ss][Hh][Aa]1`), as ``Checksum`` reads algorithm names.
    static func caseless(_ text: String) -> String {
        text.map { $0.isLetter ? "[\($0.uppercased())\($0.lowercased())]" : String($0) }.joined()
    }

    static func iecSizePattern(min: UInt64, max: UInt64) -> String {
        var units: [String] = []
        for (unit, factor) in IECSize.units {
            let low = min / factor + (min % factor == 0 ? 0 : 1)
            let high = max / factor
            guard low <= high else { continue }
            let letter = unit.prefix(1)
            units.append("(?:\(integerRangePattern(low, high)))[\(letter.uppercased())\(letter)]")
        }
        return "^0*(?:\(units.joined(separator: "|")))[Ii][Bb]$"
    }

    /// An alternation matching the decimal numbers from `low` to `high` written without leading zeros.
    static func integerRangePattern(_ low: UInt64, _ high: UInt64) -> String {
        var alternatives: [String] = low == 0 ? ["0"] : []
        // Cover the range with aligned blocks (a fixed prefix, one digit from a range, then any k digits), merging
        // blocks that share their prefix and k.
        var start = Swift.max(low, 1)
        var group: (prefix: UInt64, first: UInt64, last: UInt64, k: Int)?
        func flush() {
            guard let g = group else { return }
            let digit = g.first == g.last ? "\(g.first)" : "[\(g.first)-\(g.last)]"
            let tail = g.k == 0 ? "" : g.k == 1 ? "[0-9]" : "[0-9]{\(g.k)}"
            alternatives.append((g.prefix == 0 ? "" : "\(g.prefix)") + digit + tail)
            group = nil
        }
        while start <= high {
            var k = 0
            var size: UInt64 = 1
            while size <= UInt64.max / 10, start % (size * 10) == 0, high - start >= size * 10 - 1 {
                size *= 10
                k += 1
            }
            let digit = (start / size) % 10
            let prefix = start / size / 10
            if let g = group, g.prefix == prefix, g.k == k, g.last + 1 == digit {
                group?.last = digit
            } else {
                flush()
                group = (prefix, digit, digit, k)
            }
            let (next, overflow) = start.addingReportingOverflow(size)
            if overflow { break }
            start = next
        }
        flush()
        return alternatives.joined(separator: "|")
    }

    static func object(_ schema: ObjectSchema) -> SpecValue {
        var properties: [String: SpecValue] = [:]
        for field in schema.fields {
            var property = type(field.type)
            property["description"] = .string(field.doc)
            if let value = field.defaultValue { property["default"] = value }
            properties[field.name] = .object(property)
        }
        var out: [String: SpecValue] = [
            "type": .string("object"),
            "properties": .object(properties),
            "additionalProperties": .bool(false)
        ]
        if !schema.doc.isEmpty { out["description"] = .string(schema.doc) }
        let required = schema.fields.filter(\.required).map { SpecValue.string($0.name) }
        if !required.isEmpty { out["required"] = .list(required) }
        var all: [SpecValue] = []
        var dependent: [String: [SpecValue]] = [:]
        for rule in schema.rules {
            switch rule {
            case .onlyWhen(let field, let other, let value):
                all.append(
                    .object([
                        "if": .object([
                            "properties": .object([other: .object(["const": value])]),
                            "required": .list([.string(other)])
                        ]),
                        "else": .object(["not": .object(["required": .list([.string(field)])])])
                    ]))
            case .atLeastOneTrue(let names):
                all.append(
                    .object([
                        "anyOf": .list(
                            names.map { name in
                                .object([
                                    "properties": .object([name: .object(["const": .bool(true)])]),
                                    "required": .list([.string(name)])
                                ])
                            })
                    ]))
            case .exactlyOne(let names):
                all.append(.object(["oneOf": .list(names.map { .object(["required": .list([.string($0)])]) })]))
            case .requires(let field, let needs):
                dependent[field, default: []].append(.string(needs))
            }
        }
        // A hex digest has the length of the algorithm its sibling checksumType names, with at most that algorithm's
        // prefix; without checksumType it is algo:hex of the right length (DocumentParser checks the same).
        if schema.field("checksumType") != nil {
            for field in schema.fields {
                guard case .string(.hexDigest) = field.type else { continue }
                for algorithm in Checksum.Algorithm.allCases {
                    all.append(
                        .object([
                            "if": .object([
                                "properties": .object(["checksumType": .object(["const": .string(algorithm.rawValue)])]
                                ),
                                "required": .list([.string("checksumType")])
                            ]),
                            "then": .object([
                                "properties": .object([
                                    field.name: .object([
                                        "pattern": .string(
                                            "^(\(caseless(algorithm.rawValue)):)?[0-9a-fA-F]{\(algorithm.hexLength)}$")
                                    ])
                                ])
                            ])
                        ]))
                }
                let prefixed = Checksum.Algorithm.allCases.map {
                    "\(caseless($0.rawValue)):[0-9a-fA-F]{\($0.hexLength)}"
                }
                all.append(
                    .object([
                        "if": .object(["not": .object(["required": .list([.string("checksumType")])])]),
                        "then": .object([
                            "properties": .object([
                                field.name: .object([
                                    "type": .string("string"),
                                    "pattern": .string("^(" + prefixed.joined(separator: "|") + ")$")
                                ])
                            ])
                        ])
                    ]))
            }
        }
        if !all.isEmpty { out["allOf"] = .list(all) }
        if !dependent.isEmpty { out["dependentRequired"] = .object(dependent.mapValues(SpecValue.list)) }
        return .object(out)
    }
}
