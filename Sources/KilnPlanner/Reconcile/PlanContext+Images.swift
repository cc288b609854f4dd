import Foundation
import KilnCatalog
import KilnSpec

extension PlanContext {
    mutating func planImages() {
        for object in desired.objects(of: .image) {
            planImage(object)
        }
        for name in work.images.keys.sorted() where desired.object(.image, name) == nil {
            // Never a dangling overlay: an image a VM still runs on waits until that VM is gone. A VM that leaves git
            // in the same commit is deleted first (deletions run VMs, then images), and the executor checks again.
            if let vm = work.vms.values.sorted(by: { $0.name < $1.name }).first(where: {
                $0.imageName == name && $0.directory != nil && desired.object(.virtualMachine, $0.name) != nil
            }) {
                plan.note(
                    ObjectKey(.image, name),
                    Note(
                        .deletionWaiting,
                        "gone from git, but VirtualMachine \(vm.name) still runs on it; it is deleted once that VM is gone"
                    ))
                continue
            }
            add(.deleteImage(name))
        }
    }

    private mutating func planImage(_ object: SpecObject) {
        let name = object.name
        let spec = object.image!
        var record: ImageRecord
        if let existing = work.images[name] ?? (restoreIfPossible(object.key) ? work.images[name] : nil) {
            record = existing
            if record.contentHash != object.contentHash {
                add(.updateImage(object))
                record.update(from: object, revision: desired.revision?.id ?? record.revision)
            }
        } else {
            add(.createImage(object))
            record = ImageRecord(
                name: name, spec: object.spec, specHash: object.specHash, contentHash: object.contentHash,
                state: spec.source == nil ? .active : .queued, revision: desired.revision?.id ?? "",
                file: object.file, line: object.line, createdAt: policy.now, updatedAt: policy.now)
        }

        switch spec.source {
        case .build(let build, let format)?:
            if let execution = work.latestSuccess(of: build),
                let vi = work.virtualImages[execution.id ?? -1]?.first(where: { $0.format == format })
            {
                if record.virtualImageId != vi.id || record.path != vi.path {
                    add(.resolveImage(name: name, virtualImage: vi))
                    record.virtualImageId = vi.id
                    record.path = vi.path
                    record.sha256 = vi.sha256
                    record.format = vi.format
                    record.boot = vi.boot
                    record.state = .active
                    record.version += 1
                }
            } else {
                let latest = work.latest(of: build)
                let why =
                    latest.map {
                        "ImageBuild \(build) has no successful execution yet (#\($0.buildNumber) is \($0.status.rawValue))"
                    }
                    ?? "ImageBuild \(build) has not run yet"
                plan.note(object.key, Note(.waiting, why))
            }
        case .url(let url, let checksum)?:
            if record.importedFrom != ImageRecord.importKey(for: spec) || record.path == nil {
                add(.importImage(name: name, source: .url(url, checksum)))
            }
        case .snapshotOf(let vmName)?:
            guard record.importedFrom != ImageRecord.importKey(for: spec) || record.path == nil else { break }
            guard let vm = work.vms[vmName], vm.directory != nil else {
                plan.note(object.key, Note(.waiting, "VirtualMachine \(vmName) has no disk yet"))
                break
            }
            if vm.vmStatus == .poweredOff {
                add(.importImage(name: name, source: .snapshot(vm: vmName)))
            } else {
                plan.note(
                    object.key,
                    Note(
                        .waiting,
                        "VirtualMachine \(vmName) is \(vm.vmStatus.rawValue); a snapshot is taken of a stopped VM (powerState: stopped)"
                    ))
            }
        case nil:
            break
        }
        if let reason = policy.fleet?.unavailableImages[name] {
            plan.note(object.key, Note(.unavailable, reason))
        }
        work.images[name] = record
    }
}
