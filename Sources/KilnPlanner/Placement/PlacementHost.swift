import Foundation
import KilnCatalog

/// A host as placement sees it: its capacity, labels, and whether it may take VMs.
public struct PlacementHost: Sendable, Hashable {
    public var name: String
    public var cpus: Int64
    public var memoryBytes: Int64
    /// `key=value`, as `--host-label` gives them.
    public var labels: Set<String>
    /// Its heartbeat is older than its lease.
    public var lost: Bool
    /// Drained (`kiln drain`, or `cordoned` in git): it keeps nothing new and its VMs move away.
    public var cordoned: Bool

    public init(
        name: String, cpus: Int64, memoryBytes: Int64, labels: Set<String> = [], lost: Bool = false,
        cordoned: Bool = false
    ) {
        self.name = name
        self.cpus = cpus
        self.memoryBytes = memoryBytes
        self.labels = labels
        self.lost = lost
        self.cordoned = cordoned
    }

    /// A registered host, Lost or not as `fleet` judges it (``FleetHosts/state(of:)``).
    public init(_ record: HostRecord, in fleet: FleetHosts) {
        self.init(
            name: record.name, cpus: record.cpus, memoryBytes: record.memoryBytes, labels: Set(record.labels),
            lost: fleet.state(of: record) == .lost, cordoned: record.isCordoned)
    }

    /// Whether it takes VMs at all.
    var available: Bool { !lost && !cordoned }
}
