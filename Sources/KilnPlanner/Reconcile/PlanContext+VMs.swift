import KilnCatalog
import KilnSpec

extension PlanContext {
    mutating func planVMs() {
        let placements = placements()
        for object in desired.objects(of: .virtualMachine) {
            planVM(object, placement: placements?[object.name])
        }
        for name in work.vms.keys.sorted() where desired.object(.virtualMachine, name) == nil {
            add(.deleteVM(name))
        }
    }

    /// The VMs placed on `host` whose record holds the desired spec: only their machines (see ``Planner/planHost``).
    mutating func planHostVMs(_ host: String) {
        for object in desired.objects(of: .virtualMachine) {
            guard let record = work.vms[object.name], record.host == host, record.contentHash == object.contentHash
            else { continue }
            planVM(object, placement: nil)
        }
    }

    private mutating func planVM(_ object: SpecObject, placement: PlacementDecision?) {
        let name = object.name
        let spec = object.virtualMachine!
        let record = work.vms[name] ?? (restoreIfPossible(object.key) ? work.vms[name] : nil)
        // A fleet host compares with what its machine was made from: the leader already wrote the new spec.
        let immutableChange =
            record.map { changedImmutableFields(hostPass ? $0.machineSpec ?? $0.spec : $0.spec, object.spec) } ?? []
        if record == nil {
            add(.createVM(object))
        } else if record!.contentHash != object.contentHash {
            add(.updateVM(object))
        }
        if spec.suspend {
            plan.note(object.key, Note(.suspended, "suspend: true; the machine is left as it is"))
            return
        }
        if let placement, let fleet = policy.fleet, !place(object, placement, local: fleet.local) { return }
        let image: ImageRecord
        let imageName: String
        switch spec.image {
        case .url(let url, let checksum):
            // The VM builder service's shape: the disk is downloaded, inspected and kept in the VM's own folder.
            image = ImageRecord.external(url: url, checksum: checksum)
            imageName = url
        case .named(let named):
            guard let found = work.images[named], found.state == .active else {
                let state = work.images[named]?.state.rawValue ?? "not recorded"
                plan.note(object.key, Note(.waiting, "Image \(named) is not ready (\(state))"))
                return
            }
            guard found.path != nil else {
                plan.note(
                    object.key,
                    Note(
                        .unsupported,
                        "Image \(named) is a catalog entry without a disk (it has no source); give it a source to run VMs on it"
                    ))
                return
            }
            image = found
            imageName = named
        }
        // (Read again: placement may have moved it to a host where it has no machine yet.)
        guard let record = work.vms[name], record.directory != nil else {
            addMachine(.provisionVM(name: name, image: image))
            return
        }
        let external = image.path == nil
        if !immutableChange.isEmpty {
            addMachine(
                .recreateVM(name: name, image: image, reason: "\(immutableChange.joined(separator: ", ")) changed"))
        } else if let path = spec.userDataPath, record.userDataDigest != desired.fileDigests[path] {
            // A new version of the user-data file: a new seed, which cloud-init reads on a new instance only.
            addMachine(.recreateVM(name: name, image: image, reason: "cloudInit.userData \(path) changed"))
        } else if !external, record.imageSha256 != image.sha256 || record.imagePath != image.path {
            // Also on a new path with the same bytes (reused outputs): the VM's overlay names its backing file by
            // path, and the old path goes when its execution is pruned.
            addMachine(
                .recreateVM(
                    name: name, image: image, reason: "Image \(imageName) changed (now version \(image.version))"))
        } else if record.vmStatus == .failed {
            plan.note(
                object.key,
                Note(.failed, "the VM failed: \(record.errorMessage ?? "no message"); change its spec to try again"))
        } else if spec.powerState == .running, record.vmStatus == .poweredOff {
            addMachine(.startVM(name))
        } else if spec.powerState == .stopped, record.vmStatus == .poweredOn || record.vmStatus == .creating {
            addMachine(.stopVM(name))
        }
    }

    /// A machine action (provision, recreate, start, stop). Outside a fleet the planner's own; in a fleet the leader
    /// records no machine action: the host the VM is placed on plans them in its host pass (``Planner/planHost``).
    mutating func addMachine(_ action: Action) {
        if policy.fleet == nil { add(action) }
    }

    func changedImmutableFields(_ old: SpecValue, _ new: SpecValue) -> [String] {
        VirtualMachineSpec.immutableFields.sorted().filter { old[$0] != new[$0] }
    }
}
