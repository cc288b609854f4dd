import Foundation
import KilnCatalog

/// How a host of a fleet gets an Image's file to use (a VM's backing disk): in place when it made it or the file is in
/// the shared `--artifact-store`, else from its cache, else fetched from the host that made it (``ArtifactFetcher``).
/// A file visible at the catalog's path is used in place without reading the hosts table, so a single host never
/// depends on it.
public struct ArtifactAccess: Sendable {
    public let catalog: any Catalog
    public let localHost: String
    /// This host's data dir: files under it are its own.
    public let localDataDir: String
    public let artifactStore: String?
    public let fetcher: ArtifactFetcher

    public init(
        catalog: any Catalog, localHost: String, localDataDir: String, artifactStore: String?, fetcher: ArtifactFetcher
    ) {
        self.catalog = catalog
        self.localHost = localHost
        self.localDataDir = localDataDir
        self.artifactStore = artifactStore
        self.fetcher = fetcher
    }

    /// A path on this host holding `image`'s checked file. Throws ``ArtifactUnavailableError`` when no host can give
    /// it, ``ArtifactFetchError`` when a fetch failed.
    public func file(for image: ImageRecord) async throws -> String {
        // A file visible where the catalog says is read in place without asking the hosts table (a single host never
        // depends on it).
        if let path = image.path, FileManager.default.fileExists(atPath: path) { return path }
        let hosts = try await catalog.hosts()
        let question = ArtifactLocation.Question(
            image: image.name, path: image.path, sha256: image.sha256, localHost: localHost,
            artifactStore: artifactStore, hosts: hosts, cache: fetcher.cache)
        switch ArtifactLocation.locate(question, exists: Self.exists) {
        case .inPlace(let path), .cached(let path):
            return path
        case .fetch(let owner, let address):
            guard let sha256 = image.sha256 else {
                throw ArtifactUnavailableError(reason: "image \(image.name) has no sha256")
            }
            return try await fetcher.fetch(image: image.name, sha256: sha256, owner: owner, address: address).path
        case .unavailable(let reason), .ownerLost(_, let reason):
            throw ArtifactUnavailableError(reason: reason)
        }
    }
}

extension ArtifactAccess {
    /// Why no host can use `image` now because its only copy is on a Lost host (nil when this host still gets it in
    /// place, from the shared store or from its cache, or its owner is alive). What the leader reports as the Image's
    /// `Unavailable` status.
    public func lostCopy(of image: ImageRecord, hosts: FleetHosts) -> String? {
        let question = ArtifactLocation.Question(
            image: image.name, path: image.path, sha256: image.sha256, localHost: localHost,
            artifactStore: artifactStore, hosts: hosts, cache: fetcher.cache)
        guard case .ownerLost(_, let reason) = ArtifactLocation.locate(question, exists: Self.exists) else {
            return nil
        }
        return reason
    }

    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }
}

/// An Image's file that no host can give now (its only copy is on a Lost host, or gone); the reason names the image.
public struct ArtifactUnavailableError: Error, Sendable, Hashable, CustomStringConvertible {
    public let reason: String

    public init(reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}
