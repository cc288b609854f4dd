import Foundation

/// Where a host keeps artifacts it fetched from other hosts: one file per content hash,
/// `<data dir>/artifact-cache/sha256/<hex>`, written first as `<hex>.part` beside it and renamed only once its sha256
/// matched the catalog's. Two Images with the same bytes share one file; a partial file of one version can never be
/// resumed as another's, because its name is the hash it must reach.
///
/// With `--artifact-store DIR` (a mount every host shares), the cache is `DIR/sha256/` for the whole fleet: an artifact
/// is fetched once, by the first host that needs it, and read in place there by every host after. Each host then
/// streams into its own partial file (`<hex>.<host>.part`), so two hosts fetching at once never write one file.
public struct ArtifactCache: Sendable, Hashable {
    /// `<data dir>/artifact-cache`, or the artifact store.
    public var root: String
    /// Set in a shared store: this host's name, in its partial files' names.
    public var partialTag: String?

    public init(dataDir: String) {
        root = (dataDir as NSString).appendingPathComponent("artifact-cache")
    }

    /// The shared `--artifact-store` `folder`, as seen by host `host`.
    public init(store folder: String, host: String) {
        root = folder.hasSuffix("/") && folder.count > 1 ? String(folder.dropLast()) : folder
        partialTag = host
    }

    /// The folder of complete and partial files.
    public var folder: String { root + "/sha256" }

    /// The verified file of `sha256`, or nil when `sha256` is not 64 lower-case hex digits (it is never used as a path
    /// then).
    public func path(sha256: String) -> String? {
        Self.isDigest(sha256) ? "\(folder)/\(sha256)" : nil
    }

    /// The file a fetch of `sha256` streams into, resumed from its length after a cut.
    public func partialPath(sha256: String) -> String? {
        guard Self.isDigest(sha256) else { return nil }
        return partialTag.map { "\(folder)/\(sha256).\($0).part" } ?? "\(folder)/\(sha256).part"
    }

    /// 64 lower-case hex digits: what a sha256 in the catalog is.
    public static func isDigest(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}
