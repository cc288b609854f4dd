import Foundation

/// What the planner may do, besides what git says.
public struct PlannerPolicy: Sendable {
    /// The time the plan is made (for the prune grace).
    public var now: Date
    public var budget: DeletionBudget
    /// Apply a plan over the deletion budget (`--allow-destructive` or a `Kiln-Allow-Destructive: true` trailer).
    public var allowDestructive: Bool
    /// Mixed into every build's inputs hash: the versions of the tools a build uses, so a new qemu-img means a new
    /// build rather than a reuse of old outputs.
    public var toolsFingerprint: String
    /// The fleet VMs are placed over (issue 13); nil outside a fleet: no placement, every VM runs here.
    public var fleet: FleetPlacement?

    public init(
        now: Date = Date(), budget: DeletionBudget = DeletionBudget(), allowDestructive: Bool = false,
        toolsFingerprint: String = "", fleet: FleetPlacement? = nil
    ) {
        self.now = now
        self.budget = budget
        self.allowDestructive = allowDestructive
        self.toolsFingerprint = toolsFingerprint
        self.fleet = fleet
    }
}

/// How much one commit may delete before Kiln asks for an explicit opt-in.
public struct DeletionBudget: Sendable, Hashable {
    /// More deletions than this in one plan is destructive.
    public var maxObjects: Int
    /// Deleting more than this fraction of the existing objects of a kind is destructive — counted only when at
    /// least two objects of that kind go, so that removing one of two objects is an ordinary change.
    public var maxFraction: Double

    public init(maxObjects: Int = 5, maxFraction: Double = 0.25) {
        self.maxObjects = maxObjects
        self.maxFraction = maxFraction
    }
}
