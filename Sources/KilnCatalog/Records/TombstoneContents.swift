import Foundation

/// The records of an object as they were when it was deleted: what a restore puts back.
public struct TombstoneContents: Sendable, Hashable, Codable {
    public var build: BuildRecord?
    public var executions: [ExecutionRecord]
    public var virtualImages: [VirtualImageRecord]
    public var image: ImageRecord?
    public var vm: VMRecord?

    public init(
        build: BuildRecord? = nil, executions: [ExecutionRecord] = [], virtualImages: [VirtualImageRecord] = [],
        image: ImageRecord? = nil, vm: VMRecord? = nil
    ) {
        self.build = build
        self.executions = executions
        self.virtualImages = virtualImages
        self.image = image
        self.vm = vm
    }

    public func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? String(decoding: encoder.encode(self), as: UTF8.self)) ?? "{}"
    }

    public static func decode(_ text: String) -> TombstoneContents? {
        try? JSONDecoder().decode(TombstoneContents.self, from: Data(text.utf8))
    }
}

extension TombstoneRecord {
    public var contents: TombstoneContents? { TombstoneContents.decode(records) }
}
