import Foundation
import KilnCatalog

/// Keeps a host's artifact cache (or the shared `--artifact-store`) from growing for ever. A complete file goes once
/// the catalog no longer names its sha256: no Image, no build output, and no VM made from it (a VM's disk may sit on
/// the file it was made from). A partial file goes once nobody wrote to it for ``staleAfter``, or sooner when the
/// catalog no longer wants its hash.
///
/// Files younger than ``grace`` stay whatever the catalog says: a fetch that completed between the catalog read and
/// the sweep (its rename keeps the fresh time of its writes) is never undone. Nothing but `<hex>` and
/// `<hex>[.<host>].part` files is touched, so whatever else sits in the folder is left alone.
public struct ArtifactCacheSweep: Sendable {
    public let cache: ArtifactCache
    /// How long a file is left alone after its last write, whatever the catalog says.
    public var grace: TimeInterval = 3600
    /// How long a partial file of a wanted artifact may go without a write before it counts as abandoned.
    public var staleAfter: TimeInterval = 86_400

    public init(cache: ArtifactCache) {
        self.cache = cache
    }

    /// A file of the cache folder and when it was last written.
    public struct Entry: Sendable, Hashable {
        public var name: String
        public var modified: Date

        public init(name: String, modified: Date) {
            self.name = name
            self.modified = modified
        }
    }

    /// The sha256s the catalog still names: every Image's, every build output's, and the one each VM was made from.
    public static func wanted(_ state: CatalogState) -> Set<String> {
        var digests = Set(state.images.values.compactMap(\.sha256))
        digests.formUnion(state.virtualImages.values.joined().map(\.sha256))
        digests.formUnion(state.vms.values.compactMap(\.imageSha256))
        return digests
    }

    /// The names among `entries` to remove, given what the catalog wants, as of `now`.
    public func leftovers(_ entries: [Entry], wanted: Set<String>, now: Date) -> [String] {
        entries.filter { entry in
            let age = now.timeIntervalSince(entry.modified)
            guard age >= grace else { return false }
            if ArtifactCache.isDigest(entry.name) { return !wanted.contains(entry.name) }
            guard entry.name.hasSuffix(".part"), let digest = entry.name.split(separator: ".").first.map(String.init),
                ArtifactCache.isDigest(digest)
            else { return false }
            return age >= staleAfter || !wanted.contains(digest)
        }
        .map(\.name).sorted()
    }

    /// Lists the cache, reads what the catalog wants, then removes the leftovers; returns the paths removed. Listed
    /// first, so that the catalog read is newer than every file it judges.
    public func run(catalog: any Catalog, now: Date = Date()) async throws -> [String] {
        let folder = cache.folder
        let files = FileManager.default
        let entries = ((try? files.contentsOfDirectory(atPath: folder)) ?? []).compactMap { name -> Entry? in
            guard let attributes = try? files.attributesOfItem(atPath: "\(folder)/\(name)"),
                attributes[.type] as? FileAttributeType == .typeRegular,
                let modified = attributes[.modificationDate] as? Date
            else { return nil }
            return Entry(name: name, modified: modified)
        }
        let wanted = Self.wanted(try await catalog.state(of: [.images, .virtualImages, .vms]))
        var removed: [String] = []
        for name in leftovers(entries, wanted: wanted, now: now) {
            let path = "\(folder)/\(name)"
            if (try? files.removeItem(atPath: path)) != nil { removed.append(path) }
        }
        return removed
    }
}
