import Foundation
import GRDB

/// A Kiln host of the fleet, as it registers itself and renews every `--lease / 3`: what later placement and work
/// claiming choose by (CPUs, memory, disk, KVM, labels) and whether it is alive (its heartbeat).
public struct HostRecord: Sendable, Hashable, Codable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "host"

    public var id: Int64?
    /// `--host-name`: unique in the fleet.
    public var name: String
    /// Where its API answers (`http://HOST:PORT`).
    public var address: String
    public var cpus: Int64
    public var memoryBytes: Int64
    /// Free bytes on the file system of its data dir.
    public var diskFreeBytes: Int64
    /// Whether VMs on it run under KVM (as the VM driver would choose), rather than TCG.
    public var kvm: Bool
    /// `--host-label key=value`, sorted.
    public var labels: [String]
    public var version: String
    public var dataDir: String
    /// Takes no new work (set by a later `kiln drain`); kept here so the table need not change then.
    public var cordoned: Bool
    /// Cordoned by git (`hosts.yaml`'s `cordoned` list), kept apart from a drain so that neither undoes the other.
    public var cordonedInGit: Bool
    /// Its `--lease` in seconds: it beats every third of it, and is Lost once a whole one passes without a beat.
    public var leaseSeconds: Double
    public var startedAt: Date
    /// Its last heartbeat, by the catalog's clock where the catalog has one (PostgreSQL), so hosts' clocks may differ.
    public var heartbeatAt: Date

    public init(
        id: Int64? = nil, name: String, address: String, cpus: Int64, memoryBytes: Int64, diskFreeBytes: Int64,
        kvm: Bool, labels: [String], version: String, dataDir: String, cordoned: Bool = false,
        cordonedInGit: Bool = false, leaseSeconds: Double, startedAt: Date, heartbeatAt: Date
    ) {
        self.cordonedInGit = cordonedInGit
        self.id = id
        self.name = name
        self.address = address
        self.cpus = cpus
        self.memoryBytes = memoryBytes
        self.diskFreeBytes = diskFreeBytes
        self.kvm = kvm
        self.labels = labels
        self.version = version
        self.dataDir = dataDir
        self.cordoned = cordoned
        self.leaseSeconds = leaseSeconds
        self.startedAt = startedAt
        self.heartbeatAt = heartbeatAt
    }

    /// Takes no new work and keeps no VMs: drained by an operator, or cordoned in git.
    public var isCordoned: Bool { cordoned || cordonedInGit }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    /// A host's state as the fleet sees it.
    public enum State: String, Sendable, Hashable {
        /// Its heartbeat is within one lease.
        case ready = "Ready"
        /// Its heartbeat is older than one lease: its process, host or network is gone.
        case lost = "Lost"
    }

    /// Lost once its heartbeat is older than its lease at `now` (the catalog's clock).
    public func state(at now: Date) -> State {
        now.timeIntervalSince(heartbeatAt) > leaseSeconds ? .lost : .ready
    }
}

extension Duration {
    /// The duration in seconds, fractions included.
    var timeInterval: TimeInterval {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
