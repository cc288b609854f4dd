import Foundation
import KilnCatalog
import KilnSpec

/// The actual state a snapshot would have once fully applied and settled: every build run once with its current
/// inputs, every image resolved, every VM in its wanted power state. `kiln plan` compares a pull request's head
/// with this state of its base when no catalog is at hand.
public enum SimulatedState {
    public static func settled(_ snapshot: Snapshot, policy: PlannerPolicy) -> CatalogState {
        var state = CatalogState()
        let epoch = Date(timeIntervalSince1970: 0)
        let revision = snapshot.revision?.id ?? ""
        var nextId: Int64 = 1
        // Bases before the layers on them, so a layer's inputs hold its base's (simulated) sha256.
        for object in layeredOrder(snapshot.objects(of: .imageBuild), in: snapshot) {
            let spec = object.imageBuild!
            if let base = spec.baseImage, let image = snapshot.object(.image, base) {
                state.images[base] = resolvedImage(image, state: state, revision: revision, epoch: epoch)
            }
            let inputs = Planner.inputsHash(object, in: snapshot, policy: policy, actual: state)
            state.builds[object.name] = BuildRecord(
                name: object.name, spec: object.spec, specHash: object.specHash, contentHash: object.contentHash,
                inputsHash: inputs, runToken: spec.runToken, revision: revision, file: object.file, line: object.line,
                nextBuildNumber: spec.suspend ? 1 : 2, createdAt: epoch, updatedAt: epoch)
            guard !spec.suspend else { continue }
            let execution = ExecutionRecord(
                id: nextId, buildName: object.name, buildNumber: 1, status: .success, statusPercent: 100,
                createdBy: snapshot.revision?.author ?? "", revision: revision, specRoot: "", spec: object.spec,
                inputsHash: inputs, runToken: spec.runToken, logPath: "", reason: "simulated", createdAt: epoch)
            state.executions[object.name] = [execution]
            let outputName = "\(spec.buildOutputName ?? object.name)-1"
            state.virtualImages[nextId] = spec.outputFormats.enumerated().map { i, format in
                VirtualImageRecord(
                    id: nextId * 100 + Int64(i), executionId: nextId, buildName: object.name, buildNumber: 1,
                    name: outputName, format: format, path: "\(object.name)/1/\(outputName).\(format)",
                    size: 0, sha256: Digest.sha256Hex(inputs + format), createdAt: epoch)
            }
            nextId += 1
        }
        for object in snapshot.objects(of: .image) {
            state.images[object.name] = resolvedImage(object, state: state, revision: revision, epoch: epoch)
        }
        for object in snapshot.objects(of: .virtualMachine) {
            let spec = object.virtualMachine!
            var record = VMRecord(
                name: object.name, uuid: object.name, spec: object.spec, specHash: object.specHash,
                contentHash: object.contentHash, revision: revision, file: object.file, line: object.line,
                createdAt: epoch, updatedAt: epoch)
            record.userDataDigest = spec.userDataPath.flatMap { snapshot.fileDigests[$0] }
            if case .url(let url, _) = spec.image {
                record.imageName = url
                record.directory = object.name
                record.vmStatus = spec.powerState == .running ? .poweredOn : .poweredOff
            } else if case .named(let name) = spec.image, let image = state.images[name], image.state == .active,
                image.path != nil
            {
                record.imageName = name
                record.imagePath = image.path
                record.imageSha256 = image.sha256
                record.directory = object.name
                record.vmStatus = spec.powerState == .running ? .poweredOn : .poweredOff
            }
            state.vms[object.name] = record
        }
        return state
    }

    /// An Image as it is once its build's newest execution succeeded (QUEUED when its build has none).
    static func resolvedImage(_ object: SpecObject, state: CatalogState, revision: String, epoch: Date) -> ImageRecord {
        var record = ImageRecord(
            name: object.name, spec: object.spec, specHash: object.specHash,
            contentHash: object.contentHash, state: .active, revision: revision,
            file: object.file, line: object.line, createdAt: epoch, updatedAt: epoch)
        if case .build(let build, let format)? = object.image?.source {
            if let execution = state.latestSuccess(of: build),
                let vi = state.virtualImages[execution.id!]?.first(where: { $0.format == format })
            {
                record.virtualImageId = vi.id
                record.path = vi.path
                record.sha256 = vi.sha256
                record.format = format
            } else {
                record.state = .queued
            }
        }
        if let key = ImageRecord.importKey(for: object.image!) {
            // Imported or snapshotted once: its first version.
            record.path = "images/\(object.name)/1.qcow2"
            record.sha256 = Digest.sha256Hex(key)
            record.format = "qcow2"
            record.importedFrom = key
            record.version = 1
        }
        return record
    }

    /// Builds ordered so that each comes after the build of its base Image (by depth of the chain; a cycle, which
    /// validation refuses, cannot loop here).
    static func layeredOrder(_ builds: [SpecObject], in snapshot: Snapshot) -> [SpecObject] {
        func depth(_ build: SpecObject) -> Int {
            var count = 0
            var current = build.imageBuild?.baseImage
            var seen: Set<String> = []
            while let base = current, seen.insert(base).inserted,
                case .build(let next, _)? = snapshot.object(.image, base)?.image?.source
            {
                count += 1
                current = snapshot.object(.imageBuild, next)?.imageBuild?.baseImage
            }
            return count
        }
        return builds.enumerated().sorted { (depth($0.element), $0.offset) < (depth($1.element), $1.offset) }.map(
            \.element)
    }
}
