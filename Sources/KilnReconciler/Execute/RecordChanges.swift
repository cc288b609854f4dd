import Foundation
import KilnCatalog
import KilnPlanner
import KilnSpec

/// Turns record-only actions into the records to save, applied in order to the current state (a resolve after a
/// create in the same phase sees the new record). Pure.
enum RecordChanges {
    static func apply(
        _ actions: [Action], to state: CatalogState, context: PassContext
    )
        -> (builds: [BuildRecord], images: [ImageRecord], vms: [VMRecord])
    {
        var builds: [String: BuildRecord] = [:]
        var images: [String: ImageRecord] = [:]
        var vms: [String: VMRecord] = [:]
        let now = context.now
        let revision = context.revision.id
        for action in actions {
            switch action {
            case .createBuild(let o), .updateBuild(let o):
                let inputs = Planner.inputsHash(o, in: context.snapshot, policy: context.policy, actual: state)
                var record =
                    builds[o.name] ?? state.builds[o.name]
                    ?? BuildRecord(
                        name: o.name, spec: o.spec, specHash: o.specHash, contentHash: o.contentHash,
                        inputsHash: inputs,
                        runToken: nil, revision: revision, file: o.file, line: o.line, createdAt: now, updatedAt: now)
                record.update(from: o, revision: revision)
                record.inputsHash = inputs
                record.runToken = o.imageBuild?.runToken
                record.updatedAt = now
                builds[o.name] = record
            case .createImage(let o), .updateImage(let o):
                let existing = images[o.name] ?? state.images[o.name]
                var record =
                    existing
                    ?? ImageRecord(
                        name: o.name, spec: o.spec, specHash: o.specHash, contentHash: o.contentHash,
                        state: o.image?.source == nil ? .active : .queued, revision: revision, file: o.file,
                        line: o.line,
                        createdAt: now, updatedAt: now)
                if existing != nil { record.version += 1 }
                record.update(from: o, revision: revision)
                record.updatedAt = now
                if o.image?.source == nil {
                    record.state = .active
                    record.virtualImageId = nil
                    record.path = nil
                    record.sha256 = nil
                    record.format = nil
                }
                images[o.name] = record
            case .resolveImage(let name, let vi):
                guard var record = images[name] ?? state.images[name] else { continue }
                record.virtualImageId = vi.id
                record.path = vi.path
                record.sha256 = vi.sha256
                record.format = vi.format
                record.boot = vi.boot
                record.state = .active
                record.version += 1
                record.updatedAt = now
                images[name] = record
            case .createVM(let o), .updateVM(let o):
                var record =
                    vms[o.name] ?? state.vms[o.name]
                    ?? VMRecord(
                        name: o.name, uuid: UUID().uuidString.lowercased(), spec: o.spec, specHash: o.specHash,
                        contentHash: o.contentHash, revision: revision, file: o.file, line: o.line, createdAt: now,
                        updatedAt: now)
                record.update(from: o, revision: revision)
                record.updatedAt = now
                vms[o.name] = record
            case .placeVM(let name, let host, let reason):
                guard var record = vms[name] ?? state.vms[name] else { continue }
                record.placeOn(host, reason: reason)
                record.updatedAt = now
                vms[name] = record
            default:
                continue
            }
        }
        return (Array(builds.values), Array(images.values), Array(vms.values))
    }
}
