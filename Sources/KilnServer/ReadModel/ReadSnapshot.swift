import Foundation
import KilnCatalog
import KilnSpec

/// The catalog as the API sees it at one moment, indexed for the answers: built when the catalog changes, then only
/// read, by any number of requests at once. Every answer is a pure function of a snapshot and the request.
public final class ReadSnapshot: Sendable {
    /// Counts rebuilds: answers cached under one generation are valid until the next.
    public let generation: UInt64
    public let state: CatalogState
    /// When the catalog was last read.
    public let readAt: Date

    public let builds: [BuildRecord]
    public let images: [ImageRecord]
    public let vms: [VMRecord]
    let buildIndex: [String: Int]
    let buildIdIndex: [Int64: Int]
    let imageIndex: [String: Int]
    let imageMWSIndex: [String: Int]
    let vmIndex: [String: Int]
    let vmUUIDIndex: [String: Int]
    let virtualImagesById: [Int64: VirtualImageRecord]
    /// Each image's MWS document, in `images` order: what `query`, `sort` and `fields` work on.
    public let mwsDocuments: [SpecValue]
    /// Indexes over `mwsDocuments`, built as queries need them.
    let mwsIndex: MWSIndex

    /// Builds a snapshot; `previous` lends what the changed tables do not touch (the MWS documents, above all).
    init(generation: UInt64, state: CatalogState, readAt: Date, previous: ReadSnapshot?, changed: Set<CatalogTable>) {
        self.generation = generation
        self.state = state
        self.readAt = readAt
        builds = state.builds.values.sorted { $0.name < $1.name }
        images = state.images.values.sorted { $0.name < $1.name }
        vms = state.vms.values.sorted { $0.name < $1.name }
        buildIndex = Dictionary(uniqueKeysWithValues: builds.enumerated().map { ($1.name, $0) })
        buildIdIndex = Dictionary(
            builds.enumerated().compactMap { i, b in b.id.map { ($0, i) } }, uniquingKeysWith: { a, _ in a })
        imageIndex = Dictionary(uniqueKeysWithValues: images.enumerated().map { ($1.name, $0) })
        imageMWSIndex = Dictionary(
            images.enumerated().map { (StableID.mws($1.name), $0) }, uniquingKeysWith: { a, _ in a })
        vmIndex = Dictionary(uniqueKeysWithValues: vms.enumerated().map { ($1.name, $0) })
        vmUUIDIndex = Dictionary(vms.enumerated().map { ($1.uuid, $0) }, uniquingKeysWith: { a, _ in a })
        var virtualImages: [Int64: VirtualImageRecord] = [:]
        for list in state.virtualImages.values { for vi in list { if let id = vi.id { virtualImages[id] = vi } } }
        virtualImagesById = virtualImages
        if let previous, !changed.contains(.images) {
            mwsDocuments = previous.mwsDocuments
            mwsIndex = previous.mwsIndex
        } else {
            mwsDocuments = images.map(MWSMapping.image)
            mwsIndex = MWSIndex(documents: mwsDocuments)
        }
    }

    /// An empty snapshot, before the first read.
    static let empty = ReadSnapshot(
        generation: 0, state: .empty, readAt: Date(timeIntervalSince1970: 0), previous: nil,
        changed: Set(CatalogTable.allCases))

    public func build(named name: String) -> BuildRecord? { buildIndex[name].map { builds[$0] } }
    public func build(id: Int64) -> BuildRecord? { buildIdIndex[id].map { builds[$0] } }
    public func image(named name: String) -> ImageRecord? { imageIndex[name].map { images[$0] } }
    public func image(mwsId id: String) -> ImageRecord? { imageMWSIndex[id].map { images[$0] } }
    public func vm(named name: String) -> VMRecord? { vmIndex[name].map { vms[$0] } }
    public func vm(uuid: String) -> VMRecord? { vmUUIDIndex[uuid].map { vms[$0] } }
    public func virtualImage(id: Int64) -> VirtualImageRecord? { virtualImagesById[id] }

    /// A build by numeric id or, failing that, by name (Morpheus accepts either where an id goes).
    public func build(idOrName text: String) -> BuildRecord? {
        if let id = Int64(text), let build = build(id: id) { return build }
        return build(named: text)
    }

    /// Executions of a build, oldest first.
    public func executions(of build: String) -> [ExecutionRecord] { state.executions[build] ?? [] }

    public func virtualImages(of execution: ExecutionRecord) -> [VirtualImageRecord] {
        (execution.id.flatMap { state.virtualImages[$0] } ?? []).sorted { $0.format < $1.format }
    }
}
