import Foundation
import KilnCatalog
import KilnPlanner

/// How the reconciler behaves, from the command line.
public struct ReconcilerOptions: Sendable {
    /// Apply plans over the deletion budget (`--allow-destructive`).
    public var allowDestructive: Bool
    public var budget: DeletionBudget
    /// How long a deleted object's files wait in the tombstone area (`--prune-grace`, default 1h).
    public var pruneGrace: TimeInterval
    /// Most actions performed at once.
    public var maxConcurrency: Int
    /// First retry delay after a failed action; doubles up to `maxBackoff`, with ±20% jitter.
    public var baseBackoff: TimeInterval
    public var maxBackoff: TimeInterval
    /// Most VMs observed at once (each observation is a pidfile, `/proc` and a QMP exchange with a deadline).
    public var maxObservations: Int
    /// Attempts per VM generation to deliver its callback, and the first pause between them (doubling).
    public var callbackAttempts: Int
    public var callbackBackoff: Duration
    /// The wall clock: what every timestamp, retry time, prune grace and resync interval is measured against. Tests
    /// give a clock they move forward instead of sleeping (as ``PlannerPolicy/now`` does for the planner).
    public var now: @Sendable () -> Date
    /// In a fleet (`kiln serve` on PostgreSQL), this replica's `--host-name`: as leader it places VMs over the
    /// catalog's hosts (``Reconciler/fleetPlacement()``) and writes their specs and placements only; every host makes
    /// and watches the machines placed on it (``HostPass``). Nil (the default: SQLite, `kiln sync`): no placement,
    /// every VM runs on this host.
    public var fleetHost: String? = nil
    /// In a fleet: image imports (a URL's download, a VM's snapshot) are work rows that a host claims and runs
    /// (``ImageWorkRunner``), as builds are, instead of running in the leader's pass: a download never holds the
    /// leader, and a snapshot is made by the host that has the VM's disk.
    public var importsAsWork = false
    /// In a fleet: why an Image's file cannot be had because its only copy is on a Lost host, or nil when this
    /// replica can still get it (in place, in the shared store or in its cache). The CLI gives the artifact rules of
    /// the drivers (`ArtifactLocation`); nil: no Image is ever reported Unavailable.
    public var lostCopy: (@Sendable (ImageRecord, FleetHosts) -> String?)? = nil
    /// In a fleet: how long this leader has reached the catalog without a break (``Leadership/watchedTime``). Hosts
    /// are judged Lost only over that time (``FleetHosts/watched(for:)``), so a catalog outage moves no VMs. Nil:
    /// hosts are judged by their heartbeats alone.
    public var catalogWatched: (@Sendable () -> Duration?)? = nil

    public init(
        allowDestructive: Bool = false, budget: DeletionBudget = DeletionBudget(), pruneGrace: TimeInterval = 3600,
        maxConcurrency: Int = 4, baseBackoff: TimeInterval = 2, maxBackoff: TimeInterval = 300,
        maxObservations: Int = 16, callbackAttempts: Int = 5, callbackBackoff: Duration = .seconds(1),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.allowDestructive = allowDestructive
        self.budget = budget
        self.pruneGrace = pruneGrace
        self.maxConcurrency = maxConcurrency
        self.baseBackoff = baseBackoff
        self.maxBackoff = maxBackoff
        self.maxObservations = maxObservations
        self.callbackAttempts = callbackAttempts
        self.callbackBackoff = callbackBackoff
        self.now = now
    }
}
