import Foundation

/// The fleet's hosts and the catalog's clock when they were read (what ``HostRecord/state(at:)`` compares with).
public struct FleetHosts: Sendable, Hashable {
    public var hosts: [HostRecord]
    public var now: Date

    public init(hosts: [HostRecord], now: Date) {
        self.hosts = hosts
        self.now = now
    }

    /// The host that holds the file at `path`: the one whose data dir contains it (the deepest, should data dirs nest).
    public func owner(of path: String) -> HostRecord? {
        hosts.filter { !$0.dataDir.isEmpty && Self.path(path, isInside: $0.dataDir) }
            .max { $0.dataDir.count < $1.dataDir.count }
    }

    /// Another live host (not Lost) that names the same data dir as `host` does: then no path says whose file it is,
    /// since the fleet finds a file's host by the data dir that holds it. Nil when `dataDir` is this host's alone.
    public func sharingDataDir(_ dataDir: String, with host: String) -> HostRecord? {
        let mine = dataDir.hasSuffix("/") ? String(dataDir.dropLast()) : dataDir
        return hosts.first { other in
            let theirs = other.dataDir.hasSuffix("/") ? String(other.dataDir.dropLast()) : other.dataDir
            return other.name != host && theirs == mine && other.state(at: now) != .lost
        }
    }

    /// Whether `path` lies inside the folder `folder` (by its components, so `/data/a2` is not inside `/data/a`).
    public static func path(_ path: String, isInside folder: String) -> Bool {
        let root = folder.hasSuffix("/") ? String(folder.dropLast()) : folder
        return !root.isEmpty && path.hasPrefix(root + "/")
    }

    /// Why Image `image` cannot be had: its only copy is on `owner`, which is Lost.
    public static func onlyCopyLost(image: String, owner: HostRecord) -> String {
        "the only copy of image \(image) is on host \(owner.name), which is Lost (no heartbeat since \(owner.heartbeatAt.formatted(.iso8601)))"
    }
}
