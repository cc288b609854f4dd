import Crypto
import KilnYAML

/// One valid object of a spec repository: its kind, name, normalised spec and where it was written.
public struct SpecObject: Sendable, Hashable {
    public enum Typed: Sendable, Hashable {
        case imageBuild(ImageBuildSpec)
        case image(ImageSpec)
        case virtualMachine(VirtualMachineSpec)
    }

    public var key: ObjectKey
    public var metadata: ObjectMetadata
    /// The normalised `spec`, defaults filled in: what is hashed, diffed and stored.
    public var spec: SpecValue
    public var typed: Typed
    /// The file (relative to the repository root) and where the document starts.
    public var file: String
    public var line: Int
    public var column: Int
    /// A canonical hash of `spec`: stable across key order, quoting, comments and formatting.
    public var specHash: String
    /// A canonical hash of `metadata` and `spec`: any change a user would call an update.
    public var contentHash: String
    /// Where each field path's value starts, for errors found across files.
    public var marks: [String: Mark]

    public init(
        key: ObjectKey, metadata: ObjectMetadata, spec: SpecValue, file: String, line: Int, column: Int,
        marks: [String: Mark] = [:]
    ) {
        self.key = key
        self.metadata = metadata
        self.spec = spec
        self.file = file
        self.line = line
        self.column = column
        self.marks = marks
        typed =
            switch key.kind {
            case .imageBuild: .imageBuild(ImageBuildSpec(spec))
            case .image: .image(ImageSpec(spec))
            case .virtualMachine: .virtualMachine(VirtualMachineSpec(spec))
            }
        specHash = Digest.sha256Hex(spec.canonicalJSON)
        contentHash = Digest.sha256Hex(
            SpecValue.object([
                "labels": .object(metadata.labels.mapValues(SpecValue.string)),
                "annotations": .object(metadata.annotations.mapValues(SpecValue.string)),
                "spec": spec
            ]).canonicalJSON)
    }

    public var name: String { key.name }
    public var location: String { "\(file):\(line):\(column)" }

    public var imageBuild: ImageBuildSpec? {
        if case .imageBuild(let s) = typed { return s }
        return nil
    }

    public var image: ImageSpec? {
        if case .image(let s) = typed { return s }
        return nil
    }

    public var virtualMachine: VirtualMachineSpec? {
        if case .virtualMachine(let s) = typed { return s }
        return nil
    }

    /// The error position of a field path, falling back to the document's start.
    func mark(_ path: String) -> Mark {
        marks[path] ?? Mark(line: line, column: column)
    }

    /// The whole document as a value (`apiVersion`, `kind`, `metadata`, `spec`), for output.
    public var document: SpecValue {
        var meta: [String: SpecValue] = ["name": .string(name)]
        if !metadata.labels.isEmpty { meta["labels"] = .object(metadata.labels.mapValues(SpecValue.string)) }
        if !metadata.annotations.isEmpty {
            meta["annotations"] = .object(metadata.annotations.mapValues(SpecValue.string))
        }
        return .object([
            "apiVersion": .string(Kind.apiVersion), "kind": .string(key.kind.rawValue),
            "metadata": .object(meta), "spec": spec
        ])
    }
}

/// Hex digests of text and bytes.
public enum Digest {
    public static func sha256Hex(_ text: String) -> String {
        hex(SHA256.hash(data: Array(text.utf8)))
    }

    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        hex(SHA256.hash(data: bytes))
    }

    public static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(128)
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
