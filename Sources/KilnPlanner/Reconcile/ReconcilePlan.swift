import KilnSpec

/// What the planner concluded: the actions, and what keeps other work waiting.
public struct ReconcilePlan: Sendable {
    public var actions: [Action]
    /// Why an object is not progressing although nothing is wrong (a VM waits for its image; a pruned execution is
    /// held back because something uses it; a suspended object), keyed by object.
    public var notes: [ObjectKey: [Note]]
    /// Set when the plan deletes more than the budget allows and nobody opted in: nothing of it may be applied.
    public var destructive: DestructiveChange?
    /// Layered builds held back, by name, because a build up their chain of bases is about to change: each runs
    /// once, on the new base, instead of once on the old base and again on the new.
    public var held: [String: HeldBuild]

    public init(
        actions: [Action] = [], notes: [ObjectKey: [Note]] = [:], destructive: DestructiveChange? = nil,
        held: [String: HeldBuild] = [:]
    ) {
        self.actions = actions
        self.notes = notes
        self.destructive = destructive
        self.held = held
    }

    public var isEmpty: Bool { actions.isEmpty }

    /// The actions of one phase, in the order the executor performs phases: deletions (VMs, then images, then
    /// builds), then builds, images and VMs.
    public var phases: [[Action]] {
        let deletions = actions.filter(\.isDeletion).sorted { $0.key.kind > $1.key.kind }
        let rest = actions.filter { !$0.isDeletion }
        return [
            deletions.filter { $0.key.kind == .virtualMachine }, deletions.filter { $0.key.kind == .image },
            deletions.filter { $0.key.kind == .imageBuild }
        ]
            + Kind.allCases.map { kind in rest.filter { $0.key.kind == kind } }
    }

    mutating func note(_ key: ObjectKey, _ note: Note) {
        notes[key, default: []].append(note)
    }
}

/// Why an object waits, in words for its status.
public struct Note: Sendable, Hashable {
    public enum Reason: String, Sendable, Hashable {
        /// Waiting for another object (a VM for its image, an image for its build).
        case waiting = "Waiting"
        /// An execution beyond keepResults kept because something still uses it.
        case heldBack = "HeldBack"
        /// `suspend: true`: nothing new starts.
        case suspended = "Suspended"
        /// The last execution failed; a change in git (or a new run.token) is needed.
        case failed = "Failed"
        /// A feature the spec asks for that this host or version cannot provide.
        case unsupported = "Unsupported"
        /// Gone from git, but still in use (an Image a VM runs on): deleted once nothing uses it.
        case deletionWaiting = "DeletionWaiting"
        /// In a fleet, no allowed host has the CPUs and memory a VM needs free: it stays Pending, not overcommitted.
        case unschedulable = "Unschedulable"
        /// In a fleet, `placement.host` names a host the fleet does not have: reported, not waited for.
        case unknownHost = "UnknownHost"
        /// In a fleet, the VM is placed on another host, which runs it.
        case placedElsewhere = "PlacedElsewhere"
        /// In a fleet, an Image whose only copy is on a Lost host: no host can use it until that host returns, and it
        /// is not rebuilt behind the operator's back.
        case unavailable = "Unavailable"
    }

    public var reason: Reason
    public var message: String

    public init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }
}

/// A layered build that waits for a build up its chain of bases.
public struct HeldBuild: Sendable, Hashable {
    /// What up the chain is about to change: the nearest build that is not itself held (running or planned to run),
    /// or a base Image about to move to a newer execution or import.
    public var ancestor: ObjectKey
    /// What the ancestor is doing, in words ("a new execution is planned: …", "execution #3 is running").
    public var why: String
    /// Why the held build would have run now on the old base, if it would have: its own change.
    public var ownReason: RunReason?

    public init(ancestor: ObjectKey, why: String, ownReason: RunReason?) {
        self.ancestor = ancestor
        self.why = why
        self.ownReason = ownReason
    }
}

/// A plan that deletes more than the deletion budget allows.
public struct DestructiveChange: Sendable, Hashable {
    public var deletions: [ObjectKey]
    public var why: String
}
