import KilnCatalog
import KilnSpec

/// What one reconcile pass did and found.
public struct PassReport: Sendable {
    /// The commit the source's branch points at.
    public var headCommit: String?
    /// The commit whose desired state is applied.
    public var appliedCommit: String?
    /// Set when the head commit was refused, with why.
    public var refusal: SyncRecord.RefusalReason?
    public var refusalErrors: [SpecError]
    public var refusalDeletions: [String]
    /// Which rule of the deletion budget a destructive commit broke.
    public var refusalDetail: String?
    /// The source could not be read (network, missing branch); the last applied state stays.
    public var sourceError: String?
    public var outcomes: [ActionOutcome]
    /// Every object's Ready condition after the pass.
    public var objects: [ObjectKey: ObjectHealthSummary]
    /// Nothing is running, booting, waiting for a retry or left to do.
    public var settled: Bool
    /// Folders under `<data-dir>/vms` that no VM of the catalog owns: reported, never deleted.
    public var unownedVMFolders: [String] = []
    /// VMs found not as git asks (died, stopped or started behind Kiln's back) in this pass.
    public var drifted: [ObjectKey] = []
    /// Catalog reads and writes that failed during the pass (each also logged, and shown in its object's status).
    public var catalogErrors: [String] = []
    /// Where the pass spent its time, step by step.
    public var timings: [(String, Duration)] = []

    public var allReady: Bool { objects.values.allSatisfy(\.ready) && refusal == nil && sourceError == nil }
    public var failedActions: [ActionOutcome] { outcomes.filter { $0.error != nil } }

    public init(
        headCommit: String? = nil, appliedCommit: String? = nil, refusal: SyncRecord.RefusalReason? = nil,
        refusalErrors: [SpecError] = [], refusalDeletions: [String] = [], sourceError: String? = nil,
        outcomes: [ActionOutcome] = [], objects: [ObjectKey: ObjectHealthSummary] = [:], settled: Bool = false
    ) {
        self.headCommit = headCommit
        self.appliedCommit = appliedCommit
        self.refusal = refusal
        self.refusalErrors = refusalErrors
        self.refusalDeletions = refusalDeletions
        self.sourceError = sourceError
        self.outcomes = outcomes
        self.objects = objects
        self.settled = settled
    }
}

/// An object's Ready condition in brief.
public struct ObjectHealthSummary: Sendable, Hashable {
    public var ready: Bool
    public var reason: String
    public var message: String
}
