import Foundation

/// Who leads the fleet: the host that holds the leader lock, since when, and its epoch (the fencing token every write
/// of that leader carries). One row; epoch 0 means nobody has led yet.
public struct LeaderRecord: Sendable, Hashable, Codable {
    public var host: String
    /// Goes up by one on each takeover; a write that carries an older one is refused.
    public var epoch: Int64
    public var since: Date

    public init(host: String, epoch: Int64, since: Date) {
        self.host = host
        self.epoch = epoch
        self.since = since
    }
}

/// A write refused because it carries a leader epoch that is no longer the catalog's: another host took over while
/// this one was paused or cut off (or this host never led). Nothing of the write was applied.
public struct FencedWriteError: Error, CustomStringConvertible, Sendable {
    /// The epoch the write carried; nil when this host has not led since it started.
    public var epoch: Int64?
    /// Who leads now, as the catalog says.
    public var current: LeaderRecord?

    public init(epoch: Int64?, current: LeaderRecord?) {
        self.epoch = epoch
        self.current = current
    }

    public var description: String {
        let mine = epoch.map { "leader epoch \($0)" } ?? "no leader epoch (this host does not lead)"
        let now =
            current.map {
                "host \($0.host) leads with epoch \($0.epoch) since \(ISO8601DateFormatter().string(from: $0.since))"
            }
            ?? "nobody leads"
        return "write refused by fencing: it carries \(mine), but \(now); this host no longer leads and stops planning"
    }
}
