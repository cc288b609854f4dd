import Foundation
import KilnCatalog
import KilnPlanner
import KilnSpec

/// Everything one reconcile pass works on, from where the branch is to the report it returns: passed from phase to
/// phase, so no phase keeps pass state in the actor or in captured closures.
struct PassState {
    let now: Date
    /// Look at everything even on an unchanged commit after a quiet pass.
    let full: Bool
    var report = PassReport()
    /// The sync record as it will be written on the way out (read past the quiet check: a quiet pass has none).
    var sync = SyncRecord()
    /// The commit the branch points at, when the source could be read.
    var head: String?
    /// A newly read head commit that passed validation, still to be checked against the deletion budget.
    var candidate: (snapshot: Snapshot, revision: Revision)?
    /// The tools' versions (part of every build's inputs).
    var fingerprint = ""
    /// The catalog as the plan sees it; read again after actions.
    var actual = CatalogState.empty
    var plan = ReconcilePlan()
    /// Whether objects' statuses were computed (not when the catalog could not be read).
    var statusComputed = false
    /// Whether this pass already observed the VMs (the drift check of an otherwise quiet pass).
    var vmsObserved = false
    private var mark: ContinuousClock.Instant

    init(now: Date, full: Bool) {
        self.now = now
        self.full = full
        mark = ContinuousClock.now
    }

    /// Records the time spent since the last lap under `name` (the report's step timings).
    mutating func lap(_ name: String) {
        let now = ContinuousClock.now
        report.timings.append((name, now - mark))
        mark = now
    }
}

/// What the loop remembers from one pass to the next.
struct LoopMemory {
    /// The desired state being applied and its commit.
    var applied: (snapshot: Snapshot, revision: Revision)?
    /// A head commit refused as invalid: not read again until the head moves.
    var refusedInvalid: String?
    /// Failed actions by object, with when they may be tried again.
    var retries: [ObjectKey: RetryState] = [:]
    /// Set after a pass that found nothing to do and nothing in flight: the next pass on the same commit may skip.
    var quietCommit: String?
    var quietSince = Date()
    var fingerprint: String?
    /// Every object's Ready condition after the last full pass, for the report of a quiet one.
    var lastObjects: [ObjectKey: ObjectHealthSummary] = [:]
    /// The earliest time a tombstone becomes due for purging, as of the last full pass.
    var nextPurge: Date?
    /// Unowned VM folders already logged.
    var reportedUnowned: [String] = []
    /// `hosts.yaml`'s names that no host has, as last logged.
    var reportedUnknownHosts: [String] = []
    /// The VMs as the last full pass left them: what the drift check of a quiet pass compares the host with.
    var watchedVMs: [VMRecord] = []
    /// The catalog as last read, kept to re-read only what moved since.
    var catalogCache: CatalogCache?
    /// What each object's status was last computed from (see ``StatusMemo``).
    var statusMemos: [ObjectKey: StatusMemo] = [:]
    /// In a fleet, how its hosts stood when the last pass placed VMs (``Reconciler/fleetShape(_:)``): a host lost,
    /// back, drained or new breaks a quiet pass, so VMs move and Images held by a Lost host say so at once.
    var fleetShape: [String]?
}

/// A failed action's object: how often it failed, why, and when it is tried again (never, for a terminal failure,
/// until the commit changes).
struct RetryState {
    var attempts: Int
    var next: Date
    var message: String
    var failure: ActionFailure
    /// Recorded by the observation of the host rather than by an action: cleared when the next observation runs.
    var fromObservation = false
}
