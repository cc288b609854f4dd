/// `metadata` of every object.
public struct ObjectMetadata: Sendable, Hashable {
    public var name: String
    public var labels: [String: String]
    public var annotations: [String: String]

    public init(name: String, labels: [String: String] = [:], annotations: [String: String] = [:]) {
        self.name = name
        self.labels = labels
        self.annotations = annotations
    }

    init(_ value: SpecValue) {
        name = value["name"]?.string ?? ""
        labels = (value["labels"]?.object ?? [:]).compactMapValues(\.string)
        annotations = (value["annotations"]?.object ?? [:]).compactMapValues(\.string)
    }

    /// Annotations under this prefix belong to Kiln; specs may not set them.
    public static let reservedPrefix = "kiln.dev/"
}
