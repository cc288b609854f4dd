import KilnCatalog
import KilnSpec

extension PlanContext {
    mutating func planBuilds() {
        // Bases before the layers on them, so that a layer sees whether anything up its chain is about to change.
        for object in SimulatedState.layeredOrder(desired.objects(of: .imageBuild), in: desired) {
            planBuild(object)
        }
        for name in work.builds.keys.sorted() where desired.object(.imageBuild, name) == nil {
            for execution in work.executions[name] ?? [] where !execution.status.isFinished {
                add(
                    .cancel(
                        build: name, execution: execution.id ?? 0, buildNumber: execution.buildNumber,
                        reason: "the build was deleted from git"))
            }
            add(.deleteBuild(name))
        }
    }

    private mutating func planBuild(_ object: SpecObject) {
        let name = object.name
        let spec = object.imageBuild!
        let inputs = Planner.inputsHash(object, in: desired, policy: policy, actual: work)
        let specUnchanged = work.builds[name]?.contentHash == object.contentHash
        if let record = work.builds[name] ?? (restoreIfPossible(object.key) ? work.builds[name] : nil) {
            if record.contentHash != object.contentHash || record.inputsHash != inputs {
                add(.updateBuild(object))
            }
        } else {
            add(.createBuild(object))
        }

        let executions = work.executions[name] ?? []
        // Under onChange a running execution of an outdated spec is stopped; under manual, the run that a token
        // asked for finishes. A suspended build lets a running execution finish too.
        let outdated: (ExecutionRecord) -> Bool = {
            $0.inputsHash != inputs && spec.runPolicy == .onChange && !spec.suspend
        }
        var active = executions.filter { !$0.status.isFinished }
        for execution in active where outdated(execution) {
            add(
                .cancel(
                    build: name, execution: execution.id ?? 0, buildNumber: execution.buildNumber,
                    reason: "the build's inputs changed"))
        }
        active.removeAll(where: outdated)

        if let running = active.last {
            changing[name] = (object.key, "execution #\(running.buildNumber) is \(running.status.rawValue)")
        }
        if spec.suspend {
            plan.note(object.key, Note(.suspended, "suspend: true; no new execution starts"))
        } else if let base = spec.baseImage, Planner.baseImageSHA256(base, in: work) == nil {
            // A layer starts from its base's disk: nothing to build from until the base Image is ACTIVE.
            plan.note(object.key, Note(.waiting, "base Image \(base) is not ready yet"))
            changing[name] = changing[name] ?? (ObjectKey(.image, base), "it is not ready yet")
        } else if active.isEmpty, let hold = changingAncestor(of: spec) {
            // Built now, a layer would start from a base that is about to be replaced, and run again once the new
            // base lands: held, it runs once, on the new base.
            let reason = runReason(spec, inputs: inputs, executions: executions, specUnchanged: specUnchanged)
            plan.held[name] = HeldBuild(ancestor: hold.ancestor, why: hold.why, ownReason: reason)
            plan.note(
                object.key,
                Note(
                    .waiting,
                    "held while \(hold.ancestor) is about to change (\(hold.why)), so that it runs once, on the new base"
                ))
            changing[name] = hold
        } else if active.isEmpty {
            if let reason = runReason(spec, inputs: inputs, executions: executions, specUnchanged: specUnchanged) {
                // Reuse needs the same inputs and the same run token: a token asks for a fresh build, even when the
                // execution it started was interrupted and is being run again.
                let reuse: Int64? =
                    if case .tokenChanged = reason { nil } else {
                        executions.last {
                            $0.status == .success && $0.inputsHash == inputs && $0.runToken == spec.runToken
                        }?.id
                    }
                add(.run(build: name, reason: reason, reuse: reuse))
                changing[name] = (object.key, "a new execution is planned: \(reason)")
            } else if let latest = executions.last, latest.status == .failed {
                plan.note(
                    object.key,
                    Note(
                        .failed,
                        "execution #\(latest.buildNumber) failed: \(latest.errorMessage ?? "no message"); push a fix or change run.token to try again"
                    ))
            }
        }
        planPrune(object, spec, executions)
    }

    /// The nearest thing up a layer's chain of bases that is about to change, or nil: the build of its base Image
    /// (running, planned to run, or itself held), or the base Image about to move to a newer execution or import.
    /// Builds are planned bases first, so `changing` already holds every build above this one.
    func changingAncestor(of spec: ImageBuildSpec) -> (ancestor: ObjectKey, why: String)? {
        guard let base = spec.baseImage, let image = desired.object(.image, base)?.image else { return nil }
        switch image.source {
        case .build(let build, let format)?:
            if let hold = changing[build] { return hold }
            if let execution = work.latestSuccess(of: build),
                let vi = work.virtualImages[execution.id ?? -1]?.first(where: { $0.format == format }),
                work.images[base]?.virtualImageId != vi.id
            {
                return (
                    ObjectKey(.image, base), "it moves to ImageBuild \(build)'s execution #\(execution.buildNumber)"
                )
            }
        case .url?:
            if work.images[base]?.importedFrom != ImageRecord.importKey(for: image) {
                return (ObjectKey(.image, base), "it is imported anew")
            }
        case .snapshotOf?, nil:
            break
        }
        return nil
    }

    /// Why the build should run now, or nil.
    func runReason(
        _ spec: ImageBuildSpec, inputs: String, executions: [ExecutionRecord], specUnchanged: Bool = false
    ) -> RunReason? {
        guard let latest = executions.last else { return .firstRun }
        if let token = spec.runToken, token != latest.runToken {
            return .tokenChanged(from: latest.runToken, to: token)
        }
        if spec.runPolicy == .onChange, latest.inputsHash != inputs {
            if let base = spec.baseImage, specUnchanged { return .baseImageChanged(base) }
            return .inputsChanged
        }
        if latest.status == .cancelled || latest.interrupted {
            return .interrupted(buildNumber: latest.buildNumber)
        }
        return nil
    }

    /// Executions beyond `keepResults` go, with their virtual images — except one an Image or a VM still uses.
    private mutating func planPrune(_ object: SpecObject, _ spec: ImageBuildSpec, _ executions: [ExecutionRecord]) {
        guard spec.keepResults > 0 else { return }
        let finished = executions.filter(\.status.isFinished)
        guard finished.count > spec.keepResults else { return }
        for execution in finished.dropLast(spec.keepResults) {
            if let holder = holder(of: execution) {
                plan.note(
                    object.key,
                    Note(
                        .heldBack,
                        "execution #\(execution.buildNumber) is kept beyond keepResults \(spec.keepResults): \(holder)")
                )
            } else {
                add(.prune(build: object.name, execution: execution.id ?? 0, buildNumber: execution.buildNumber))
            }
        }
    }

    /// What still uses an execution's virtual images, in words, or nil.
    func holder(of execution: ExecutionRecord) -> String? {
        let images = work.virtualImages[execution.id ?? -1] ?? []
        let ids = Set(images.compactMap(\.id))
        let paths = Set(images.map(\.path))
        if let image = work.images.values.sorted(by: { $0.name < $1.name }).first(where: {
            $0.virtualImageId.map(ids.contains) ?? false
        }) {
            return "Image \(image.name) uses \(images.first { $0.id == image.virtualImageId }?.name ?? "its image")"
        }
        if let vm = work.vms.values.sorted(by: { $0.name < $1.name }).first(where: {
            $0.imagePath.map(paths.contains) ?? false
        }) {
            return "VirtualMachine \(vm.name) runs on it"
        }
        if execution.id == work.latestSuccess(of: execution.buildName)?.id,
            let image = desired.objects(of: .image).first(where: {
                if case .build(let b, _)? = $0.image?.source { return b == execution.buildName }
                return false
            })
        {
            return "Image \(image.name) is built from it (the newest successful execution)"
        }
        return nil
    }
}
