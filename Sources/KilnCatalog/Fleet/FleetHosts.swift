import Foundation

/// The fleet's hosts and the catalog's clock when they were read (what ``HostRecord/state(at:)`` compares with).
public struct FleetHosts: Sendable, Hashable {
    public var hosts: [HostRecord]
    public var now: Date
    /// Since when (the catalog's clock) the one judging the hosts has watched the catalog without a break; nil: for
    /// ever. See ``watched(for:)``.
    public var watchedSince: Date?

    public init(hosts: [HostRecord], now: Date, watchedSince: Date? = nil) {
        self.hosts = hosts
        self.now = now
        self.watchedSince = watchedSince
    }

    /// The hosts as judged by a leader that has reached the catalog for only `watched` (its election session's age;
    /// nil: for ever). A host is Lost only once it has missed a whole lease of heartbeats that the leader could have
    /// seen. After a catalog outage (a restart, a network cut), or on a leader's fresh start, every host's heartbeat
    /// is old through no fault of its own, and each first gets one lease to beat again before its VMs and work move.
    public func watched(for watched: Duration?) -> FleetHosts {
        var judged = self
        judged.watchedSince = watched.map { now.addingTimeInterval(-$0.timeInterval) }
        return judged
    }

    /// `host`'s state as this fleet's judge sees it: Lost only when its heartbeat is older than its lease at `now` and
    /// the judge watched for a whole lease of that time (``watched(for:)``).
    public func state(of host: HostRecord) -> HostRecord.State {
        guard host.state(at: now) == .lost else { return .ready }
        guard let watchedSince else { return .lost }
        return now.timeIntervalSince(watchedSince) > host.leaseSeconds ? .lost : .ready
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
            return other.name != host && theirs == mine && state(of: other) != .lost
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
