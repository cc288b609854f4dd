import Foundation
import KilnCatalog
import KilnSpec

/// What a change of desired state would do: `kiln plan`'s answer for a pull request. Per object: create, update
/// (with a field-level diff, secrets masked) or delete; then what follows from each (runs, cancels, prunes,
/// recreated VMs); and whether it is over the deletion budget.
public struct ChangePreview: Sendable {
    public enum ChangeType: String, Sendable, Hashable {
        case create, update, delete
    }

    /// A change of one object's spec.
    public struct ObjectChange: Sendable, Hashable {
        public var key: ObjectKey
        public var type: ChangeType
        /// Where the object is written on the side that has it (`--to` for create and update, `--from` for delete).
        public var location: String
        public var fields: [FieldChange]
    }

    /// Something that follows from the changes.
    public struct Consequence: Sendable, Hashable {
        public var key: ObjectKey
        /// `run`, `cancel`, `prune`, `resolve`, `provision`, `recreate`, `start`, `stop`, `restore`, `purge`.
        public var action: String
        public var reason: String
    }

    public var from: Revision?
    public var to: Revision?
    public var changes: [ObjectChange]
    public var consequences: [Consequence]
    public var destructive: DestructiveChange?

    public var isEmpty: Bool { changes.isEmpty && consequences.isEmpty }

    /// Compares `to` with `from` once settled, or with `actual` (a real catalog) when given.
    public static func make(
        from: Snapshot, to: Snapshot, actual: CatalogState? = nil,
        policy: PlannerPolicy = PlannerPolicy()
    ) -> ChangePreview {
        var changes: [ObjectChange] = []
        let keys = Set(from.objects.keys).union(to.objects.keys).sorted()
        for key in keys {
            switch (from[key], to[key]) {
            case (nil, let new?):
                changes.append(
                    ObjectChange(
                        key: key, type: .create, location: new.location,
                        fields: FieldDiff.changes(from: .object([:]), to: SecretMasker.masked(new))))
            case (let old?, nil):
                changes.append(ObjectChange(key: key, type: .delete, location: old.location, fields: []))
            case (let old?, let new?) where old.contentHash != new.contentHash:
                changes.append(
                    ObjectChange(
                        key: key, type: .update, location: new.location,
                        fields: FieldDiff.maskedChanges(from: old, to: new)))
            default:
                break
            }
        }

        let state = actual ?? SimulatedState.settled(from, policy: policy)
        let plan = Planner.plan(desired: to, actual: state, policy: policy)
        var consequences: [Consequence] = []
        for action in plan.actions {
            switch action {
            case .createBuild, .updateBuild, .deleteBuild, .createImage, .updateImage, .deleteImage, .createVM,
                .updateVM,
                .deleteVM:
                continue
            case .run(let build, let reason, let reuse):
                consequences.append(
                    Consequence(
                        key: action.key, action: "run",
                        reason: reuse == nil
                            ? "a new execution: \(reason)"
                            : "a new execution reusing identical earlier outputs: \(reason)"))
                var seen: Set<String> = [build]
                consequences += followers(
                    ofRun: build, reuse: reuse != nil, to: to, state: state, held: plan.held,
                    seen: &seen)
            default:
                consequences.append(Consequence(key: action.key, action: action.verb, reason: action.reason))
            }
        }
        // A layer held for an ancestor that is already building (so not among this plan's runs) but with a change of
        // its own: it runs once that ancestor lands.
        for (name, hold) in plan.held.sorted(by: { $0.key < $1.key }) {
            let key = ObjectKey(.imageBuild, name)
            guard let own = hold.ownReason, !consequences.contains(where: { $0.key == key && $0.action == "run" })
            else { continue }
            consequences.append(
                Consequence(
                    key: key, action: "run",
                    reason:
                        "held while \(hold.ancestor) is about to change (\(hold.why)); then runs once, on the new base: \(own)"
                ))
        }
        return ChangePreview(
            from: from.revision, to: to.revision, changes: changes, consequences: consequences,
            destructive: plan.destructive)
    }

    /// What a successful new execution of `build` sets off: prunes beyond keepResults, images that move to it, and
    /// VMs recreated on the new image.
    static func followers(
        ofRun build: String, reuse: Bool, to: Snapshot, state: CatalogState,
        held: [String: HeldBuild] = [:], seen: inout Set<String>
    ) -> [Consequence] {
        var out: [Consequence] = []
        let spec = to.object(.imageBuild, build)?.imageBuild
        let finished = (state.executions[build] ?? []).filter(\.status.isFinished)
        if let keep = spec?.keepResults, keep > 0, finished.count + 1 > keep {
            for execution in finished.prefix(finished.count + 1 - keep) {
                out.append(
                    Consequence(
                        key: ObjectKey(.imageBuild, build), action: "prune",
                        reason:
                            "after the new execution succeeds, execution #\(execution.buildNumber) falls out of keepResults \(keep) (kept if an Image or VM still uses it)"
                    ))
            }
        }
        for image in to.objects(of: .image) {
            guard case .build(let b, let format)? = image.image?.source, b == build else { continue }
            out.append(
                Consequence(
                    key: image.key, action: "resolve",
                    reason: "moves to the new execution's \(format) image once it succeeds (its version goes up)"))
            guard !reuse else { continue }
            // Layers on this Image build again once it moves, and so on down every chain: once each, since the
            // planner holds a layer while anything up its chain is about to change.
            for layer in to.objects(of: .imageBuild)
            where layer.imageBuild?.baseImage == image.name && seen.insert(layer.name).inserted {
                var reason = RunReason.baseImageChanged(image.name).description
                if let own = held[layer.name]?.ownReason {
                    reason += " (held until then, so its own change runs in that one execution: \(own))"
                }
                out.append(Consequence(key: layer.key, action: "run", reason: reason))
                out += followers(ofRun: layer.name, reuse: false, to: to, state: state, held: held, seen: &seen)
            }
            for vm in to.objects(of: .virtualMachine) {
                guard case .named(let name)? = vm.virtualMachine?.image, name == image.name else { continue }
                if state.vms[vm.name]?.directory != nil {
                    out.append(
                        Consequence(
                            key: vm.key, action: "recreate",
                            reason: "its Image \(image.name) changes when the new execution succeeds"))
                } else {
                    out.append(
                        Consequence(
                            key: vm.key, action: "provision",
                            reason: "starts on Image \(image.name) once the new execution succeeds"))
                }
            }
        }
        return out
    }
}
