/// The kinds of object a spec repository holds.
public enum Kind: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    case imageBuild = "ImageBuild"
    case image = "Image"
    case virtualMachine = "VirtualMachine"

    /// The lower-case name used in paths (`status/imagebuild/…`) and on the command line.
    public var slug: String { rawValue.lowercased() }

    public init?(slug: String) {
        guard let kind = Kind.allCases.first(where: { $0.slug == slug.lowercased() || $0.rawValue == slug }) else {
            return nil
        }
        self = kind
    }

    /// Dependency order: builds feed images, images feed VMs. Creation follows it, deletion reverses it.
    public var order: Int {
        switch self {
        case .imageBuild: 0
        case .image: 1
        case .virtualMachine: 2
        }
    }

    public static func < (a: Kind, b: Kind) -> Bool { a.order < b.order }

    /// The API version every document declares.
    public static let apiVersion = "kiln.dev/v1"
}

/// A kind and a name: what identifies an object.
public struct ObjectKey: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var kind: Kind
    public var name: String

    public init(_ kind: Kind, _ name: String) {
        self.kind = kind
        self.name = name
    }

    public var description: String { "\(kind.rawValue)/\(name)" }

    public static func < (a: ObjectKey, b: ObjectKey) -> Bool { (a.kind, a.name) < (b.kind, b.name) }
}
