import Foundation
import KilnCatalog

/// Where a host reads an Image's file from, decided from the catalog alone by ``ArtifactLocation/locate(_:)``.
public enum ArtifactLocation: Sendable, Hashable {
    /// Read the file where the catalog says: this host made it, or it lies in the shared `--artifact-store`.
    case inPlace(path: String)
    /// Fetched before (by this host, or by any host into the shared store): the verified copy in the artifact cache.
    case cached(path: String)
    /// Fetch it from the host that made it, whose API answers at `address`.
    case fetch(owner: String, address: String)
    /// It cannot be had; `reason` says why and names the image (and the host, when one holds it).
    case unavailable(reason: String)
    /// Its only copy is on `owner`, which is Lost: the Image is `Unavailable` for the whole fleet until that host
    /// returns (``FleetHosts/onlyCopyLost(image:owner:)`` says so in `reason`).
    case ownerLost(owner: String, reason: String)

    /// What the decision is made from.
    public struct Question: Sendable {
        public var image: String
        /// The image's file and sha256 as the catalog records them.
        public var path: String?
        public var sha256: String?
        /// This host's `--host-name`; nil outside a fleet.
        public var localHost: String?
        /// `--artifact-store`: a folder every host mounts at the same place.
        public var artifactStore: String?
        public var hosts: FleetHosts
        public var cache: ArtifactCache

        public init(
            image: String, path: String?, sha256: String?, localHost: String?, artifactStore: String?,
            hosts: FleetHosts, cache: ArtifactCache
        ) {
            self.image = image
            self.path = path
            self.sha256 = sha256
            self.localHost = localHost
            self.artifactStore = artifactStore
            self.hosts = hosts
            self.cache = cache
        }
    }

    /// Decides where `question`'s image is read from; `exists` says whether a file is there (the one effect, passed in
    /// so that the decision is tested without disk).
    ///
    /// The host that holds a file is the one whose data dir contains its path (every host's data dir is in the hosts
    /// table). A file visible here at the catalog's path is read in place, whoever made it: this host's own, the
    /// shared store, or another host's data dir that this machine sees (replicas sharing a machine or a mount), as a
    /// single host always did. Only a file not visible here is fetched from its owner, or is unavailable when that
    /// owner is Lost.
    public static func locate(_ question: Question, exists: (String) -> Bool) -> ArtifactLocation {
        let image = question.image
        guard let path = question.path, let sha256 = question.sha256 else {
            return .unavailable(reason: "image \(image) has no file yet")
        }
        if let store = question.artifactStore, FleetHosts.path(path, isInside: store) {
            return exists(path)
                ? .inPlace(path: path)
                : .unavailable(reason: "image \(image)'s file \(path) is missing from the artifact store \(store)")
        }
        let owner = question.hosts.owner(of: path)
        if exists(path) { return .inPlace(path: path) }
        if let cached = question.cache.path(sha256: sha256), exists(cached) { return .cached(path: cached) }
        guard let owner else {
            return .unavailable(
                reason: "image \(image)'s file \(path) is on no host of the fleet (no data dir holds it)")
        }
        if owner.name == question.localHost {
            return .unavailable(reason: "image \(image)'s file \(path) is gone from this host (\(owner.name))")
        }
        if question.hosts.state(of: owner) == .lost {
            return .ownerLost(owner: owner.name, reason: FleetHosts.onlyCopyLost(image: image, owner: owner))
        }
        guard !owner.address.isEmpty else {
            return .unavailable(
                reason: "host \(owner.name), which holds image \(image), has not said where its API answers yet")
        }
        return .fetch(owner: owner.name, address: owner.address)
    }
}
