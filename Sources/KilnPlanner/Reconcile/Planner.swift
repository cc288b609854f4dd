import Foundation
import KilnCatalog
import KilnSpec

/// Decides what to do: a pure function of desired state (a snapshot), actual state (the catalog) and a policy.
/// No I/O, no clock but `policy.now`, no randomness, so it is tested by asserting on the plan it returns.
///
/// Reconciliation is level-based: every pass compares the whole desired state with the whole actual state, so a
/// missed or failed pass is repaired by the next one.
public enum Planner {
    public static func plan(desired: Snapshot, actual: CatalogState, policy: PlannerPolicy) -> ReconcilePlan {
        var context = PlanContext(desired: desired, work: actual, policy: policy)
        context.planBuilds()
        context.planImages()
        context.planVMs()
        context.planTombstones()
        context.plan.destructive = destructiveChange(
            context.plan.actions, desired: desired, actual: actual,
            budget: policy.budget)
        return context.plan
    }

    /// A fleet host's plan (issue 13): the machine actions (provision, recreate, start, stop) for the VMs the leader
    /// placed on `host` whose record already holds their spec in `desired` (the leader wrote it; a VM whose record
    /// is older or newer than `desired` waits for the next pass). The leader records specs and placements and plans no
    /// machine; each host makes, starts, stops and recreates its own, comparing immutable fields with the spec its
    /// machine was made from (``VMRecord/machineSpec``).
    public static func planHost(desired: Snapshot, actual: CatalogState, host: String, now: Date) -> ReconcilePlan {
        var context = PlanContext(desired: desired, work: actual, policy: PlannerPolicy(now: now))
        context.hostPass = true
        context.planHostVMs(host)
        context.plan.actions = context.plan.actions.filter(\.isMachineAction)
        return context.plan
    }

    /// What decides a build's outputs under this policy: the spec's build fields, its files, the tools, and for a
    /// layered build (`source.image`) the sha256 of its base Image as `actual` has it, so a new base means a new
    /// build of every layer on it, in dependency order.
    public static func inputsHash(
        _ object: SpecObject, in snapshot: Snapshot, policy: PlannerPolicy,
        actual: CatalogState
    ) -> String {
        var text = snapshot.buildInputsHash(object) + ":" + policy.toolsFingerprint
        if let base = object.imageBuild?.baseImage {
            text += ":base:" + (baseImageSHA256(base, in: actual) ?? "unresolved")
        }
        return Digest.sha256Hex(text)
    }

    /// The sha256 of an Image a layered build starts from, once it is ACTIVE with a disk.
    public static func baseImageSHA256(_ image: String, in actual: CatalogState) -> String? {
        guard let record = actual.images[image], record.state == .active, record.path != nil else { return nil }
        return record.sha256
    }

    /// Whether the plan deletes more than the budget allows. Removing every object (an empty spec root, a wrong
    /// `--path`) always counts as destructive.
    public static func destructiveChange(
        _ actions: [Action], desired: Snapshot, actual: CatalogState,
        budget: DeletionBudget
    ) -> DestructiveChange? {
        let deletions = actions.filter(\.isDeletion).map(\.key).sorted()
        guard !deletions.isEmpty else { return nil }
        if desired.objects.isEmpty {
            return DestructiveChange(
                deletions: deletions,
                why: "the spec root holds no objects, so every object would be deleted (is --path right?)")
        }
        if deletions.count > budget.maxObjects {
            return DestructiveChange(
                deletions: deletions,
                why: "\(deletions.count) objects would be deleted, more than the budget of \(budget.maxObjects)")
        }
        let existing: [Kind: Int] = [
            .imageBuild: actual.builds.count, .image: actual.images.count,
            .virtualMachine: actual.vms.count
        ]
        for kind in Kind.allCases {
            let count = deletions.filter { $0.kind == kind }.count
            let total = existing[kind] ?? 0
            if count >= 2, total > 0, Double(count) > budget.maxFraction * Double(total) {
                let percent = Int((budget.maxFraction * 100).rounded())
                return DestructiveChange(
                    deletions: deletions,
                    why: "\(count) of \(total) \(kind.rawValue) objects would be deleted, more than \(percent)%")
            }
        }
        return nil
    }
}

/// The planner's working state during one plan: actual state updated by the actions planned so far, so that later
/// kinds see what earlier ones will do (an image resolved in this pass can provision its VM in this pass).
struct PlanContext {
    let desired: Snapshot
    var work: CatalogState
    let policy: PlannerPolicy
    var plan = ReconcilePlan()
    var restored: Set<Int64> = []
    /// Builds whose outputs are about to change, by name, with what changes and why in words: a run planned in this
    /// pass or an execution still going (the build itself), or a layer itself held or waiting (what it waits for). A
    /// layer on any of them is held (see `planBuilds`).
    var changing: [String: (ancestor: ObjectKey, why: String)] = [:]
    /// Planning a fleet host's own machines (``Planner/planHost``), not the leader's plan.
    var hostPass = false

    init(desired: Snapshot, work: CatalogState, policy: PlannerPolicy) {
        self.desired = desired
        self.work = work
        self.policy = policy
    }

    mutating func add(_ action: Action) {
        plan.actions.append(action)
    }

    /// A tombstone of this object still within its grace, whose records can come back.
    mutating func restoreIfPossible(_ key: ObjectKey) -> Bool {
        guard
            let tombstone = work.tombstones.last(where: {
                $0.objectKind == key.kind.rawValue && $0.objectName == key.name && $0.purgeAfter > policy.now
            }), let id = tombstone.id, let contents = tombstone.contents
        else { return false }
        add(.restore(tombstone))
        restored.insert(id)
        if let build = contents.build { work.builds[build.name] = build }
        if !contents.executions.isEmpty {
            work.executions[key.name] = contents.executions.sorted { $0.buildNumber < $1.buildNumber }
        }
        for vi in contents.virtualImages { work.virtualImages[vi.executionId, default: []].append(vi) }
        if let image = contents.image { work.images[image.name] = image }
        if let vm = contents.vm { work.vms[vm.name] = vm }
        return true
    }

    mutating func planTombstones() {
        for tombstone in work.tombstones where tombstone.purgeAfter <= policy.now {
            guard let id = tombstone.id, !restored.contains(id) else { continue }
            add(.purge(tombstone))
        }
    }
}
