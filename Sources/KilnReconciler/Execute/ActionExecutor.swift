import Foundation
import KilnCatalog
import KilnPlanner
import KilnSpec
import Logging

/// Performs a plan's actions through the catalog and the drivers.
///
/// Phases run in the plan's order (deletions in reverse dependency order, then builds, images, VMs). Within a phase,
/// restores come first, then every record-only action in one transaction, then the actions with effects on the host:
/// those are journaled together before they start and closed together after, and run concurrently up to
/// `maxConcurrency`. One failing action never stops the others.
struct ActionExecutor: Sendable {
    let catalog: any Catalog
    let builds: any BuildDriver
    let vms: any VMDriver
    /// Imports image URLs and VM snapshots (none: such images fail with a clear message).
    let images: (any ImageImportDriver)?
    let paths: DataPaths
    let options: ReconcilerOptions
    let logger: Logger
    /// Reads files of the commit being applied (a VM's `cloudInit.userData`); none: such VMs fail with a clear message.
    var source: (any DesiredStateSource)? = nil
    /// In a fleet host's pass (``HostPass``), that host: VM machines are saved column by column, fenced by the VM's
    /// placement on it (``Catalog/saveVMMachine(_:host:)``). Nil for the reconciler's own pass.
    var machineHost: String? = nil

    var files: FileKeeper { FileKeeper(catalog: catalog, paths: paths, now: options.now) }

    /// Performs the phases in order, starting from `actual` (the state the plan was made from) and keeping it up to
    /// date in memory as record-only actions change it, so the catalog is read again only after a restore.
    func execute(
        _ actions: [Action], phases: [[Action]], context: PassContext, actual: CatalogState
    ) async -> [ActionOutcome] {
        var outcomes: [ActionOutcome] = []
        var state = actual
        for phase in phases where !phase.isEmpty {
            outcomes += await run(phase: phase, context: context, state: &state)
        }
        return outcomes
    }

    private func run(phase: [Action], context: PassContext, state: inout CatalogState) async -> [ActionOutcome] {
        var outcomes: [ActionOutcome] = []
        let restores = phase.filter { if case .restore = $0 { true } else { false } }
        if !restores.isEmpty {
            outcomes += await effectful(restores, context: context, state: state)
            do {
                state = try await catalog.state()
            } catch {
                // The phase goes on from the state before the restores; the next pass reads the catalog again.
                logger.error("cannot read the catalog after restoring: \(error)")
            }
        }

        let recordOnly = phase.filter(\.isRecordOnly)
        if !recordOnly.isEmpty {
            do {
                let (builds, images, vms) = RecordChanges.apply(recordOnly, to: state, context: context)
                if options.fleetHost == nil {
                    try await catalog.saveRecords(builds: builds, images: images, vms: vms)
                } else {
                    // A fleet's leader writes only its own columns of VMs: their hosts write the machines'.
                    try await catalog.saveRecords(builds: builds, images: images, vms: [])
                    try await catalog.saveVMDecisions(vms)
                }
                for b in builds { state.builds[b.name] = b }
                for i in images { state.images[i.name] = i }
                for v in vms { state.vms[v.name] = v }
                outcomes += recordOnly.map { ActionOutcome(action: $0, failure: nil) }
            } catch {
                let failure = ActionFailure(.catalogError, "cannot save to the catalog: \(error)")
                outcomes += recordOnly.map { ActionOutcome(action: $0, failure: failure) }
            }
        }

        let rest = phase.filter { action in
            if action.isRecordOnly { return false }
            if case .restore = action { return false }
            return true
        }
        outcomes += await effectful(rest, context: context, state: state)
        return outcomes
    }

    // MARK: effectful actions

    private func effectful(_ actions: [Action], context: PassContext, state: CatalogState) async -> [ActionOutcome] {
        guard !actions.isEmpty else { return [] }
        var entries: [JournalEntry] = []
        var templates: [ExecutionRecord] = []
        var inventory: [InventoryItem] = []
        var numbers: [String: Int] = [:]
        for action in actions {
            entries.append(
                JournalEntry(
                    commit: context.revision.id, action: action.verb, objectKind: action.key.kind.rawValue,
                    objectName: action.key.name, detail: action.summary, startedAt: context.now))
            if case .run(let build, let reason, let reuse) = action {
                let number = numbers[build] ?? nextBuildNumber(build, state: state)
                numbers[build] = number + 1
                let template = executionTemplate(
                    build: build, number: number, reason: reason, reuse: reuse, state: state,
                    context: context)
                templates.append(template)
                let owner = ObjectKey(.imageBuild, build).description
                inventory.append(
                    InventoryItem(type: .file, owner: owner, location: template.logPath, createdAt: context.now))
                inventory.append(
                    InventoryItem(
                        type: .directory, owner: owner,
                        location: paths.artifacts(build: build, number: number), createdAt: context.now))
            }
        }
        let journaled: [JournalEntry]
        var created: [ExecutionRecord]
        do {
            (journaled, created) = try await catalog.beginActions(entries, executions: templates, inventory: inventory)
        } catch {
            let failure = ActionFailure(.catalogError, "cannot journal the action: \(error)")
            return actions.map { ActionOutcome(action: $0, failure: failure) }
        }

        // Pair each run with its new execution (same order).
        var work: [(Action, JournalEntry, ExecutionRecord?)] = []
        for (action, entry) in zip(actions, journaled) {
            if case .run = action {
                work.append((action, entry, created.removeFirst()))
            } else {
                work.append((action, entry, nil))
            }
        }

        let results = await withTaskGroup(of: (Int, ActionFailure?, ExecutionWorker?).self) { group in
            var results = [(ActionFailure?, ExecutionWorker?)](repeating: (nil, nil), count: work.count)
            var next = 0
            func launch(_ i: Int) {
                let (action, _, execution) = work[i]
                group.addTask {
                    do {
                        let worker = try await perform(action, execution: execution, state: state, context: context)
                        return (i, nil, worker)
                    } catch {
                        return (i, ActionFailure(error), nil)
                    }
                }
            }
            while next < min(options.maxConcurrency, work.count) {
                launch(next)
                next += 1
            }
            while let (i, error, worker) = await group.next() {
                results[i] = (error, worker)
                if next < work.count {
                    launch(next)
                    next += 1
                }
            }
            return results
        }

        let ends = zip(work, results).map { item, result in
            JournalEnd(id: item.1.id ?? 0, state: result.0 == nil ? .done : .failed, error: result.0?.message)
        }
        do { try await catalog.endActions(ends, workers: results.compactMap(\.1)) } catch {
            logger.error("cannot close journal entries: \(error)")
        }
        for (item, result) in zip(work, results) {
            if let error = result.0 {
                logger.warning("\(item.0.summary) failed: \(error)")
            } else {
                logger.info("\(item.0.summary)")
            }
        }
        return zip(work, results).map { ActionOutcome(action: $0.0, failure: $1.0) }
    }

    private func nextBuildNumber(_ build: String, state: CatalogState) -> Int {
        max(state.builds[build]?.nextBuildNumber ?? 1, (state.executions[build]?.map(\.buildNumber).max() ?? 0) + 1)
    }
    private func executionTemplate(
        build: String, number: Int, reason: RunReason, reuse: Int64?, state: CatalogState,
        context: PassContext
    ) -> ExecutionRecord {
        let object = context.snapshot.object(.imageBuild, build)
        let inputs =
            object.map { Planner.inputsHash($0, in: context.snapshot, policy: context.policy, actual: state) } ?? ""
        let previous = (state.executions[build] ?? []).filter { $0.status == .success && $0.reusedFrom == nil }
        let durations = previous.suffix(3).compactMap { e in
            e.endDate.flatMap { end in e.startDate.map { end.timeIntervalSince($0) } }
        }
        let eta = durations.isEmpty ? nil : durations.sorted()[durations.count / 2]
        return ExecutionRecord(
            buildName: build, buildNumber: number, status: .pending, statusMessage: "Queued", statusEta: eta,
            createdBy: context.revision.author, revision: context.revision.id, specRoot: context.specRoot,
            spec: object?.spec ?? .object([:]), inputsHash: inputs, runToken: object?.imageBuild?.runToken,
            logPath: paths.log(build: build, number: number),
            reason: reason.description, createdAt: context.now)
    }

    /// Performs one action; for a run, returns the process that runs the execution.
    func perform(
        _ action: Action, execution: ExecutionRecord?, state: CatalogState,
        context: PassContext
    ) async throws -> ExecutionWorker? {
        switch action {
        case .run(_, _, let reuse):
            guard var execution else { throw ExecutorError.noExecution }
            return try await startRun(&execution, reuse: reuse, state: state)
        case .cancel(_, let id, _, let reason):
            try await cancel(executionId: id, reason: reason)
        case .prune(let build, let id, let number):
            try await prune(build: build, executionId: id, number: number, state: state)
        case .deleteBuild(let name):
            try await deleteBuild(name, state: state, context: context)
        case .deleteImage(let name):
            if let vm = try await catalog.state(of: [.vms]).vms.values.first(where: {
                $0.imageName == name && $0.directory != nil
            }) {
                throw ActionFailure(
                    .driverError,
                    "VirtualMachine \(vm.name) still runs on Image \(name); it is deleted once that VM is gone")
            }
            let folder = paths.images(name: name)
            let moves = FileManager.default.fileExists(atPath: folder) ? [(folder, "image")] : []
            try await bury(
                ObjectKey(.image, name), contents: TombstoneContents(image: state.images[name]), moves: moves,
                contentHash: state.images[name]?.contentHash ?? "", context: context)
        case .importImage(let name, let source):
            try await importImage(name, source: source, state: state, context: context)
        case .deleteVM(let name):
            try await deleteVM(name, state: state, context: context)
        case .provisionVM(let name, let image):
            try await recordingVMError(name) {
                try await provisionVM(name, image: image, recreate: nil, context: context)
            }
        case .recreateVM(let name, let image, let reason):
            try await recordingVMError(name) {
                try await provisionVM(name, image: image, recreate: reason, context: context)
            }
        case .startVM(let name):
            try await recordingVMError(name) { try await powerVM(name, on: true) }
        case .stopVM(let name):
            try await recordingVMError(name) { try await powerVM(name, on: false) }
        case .restore(let tombstone):
            try await restore(tombstone)
        case .purge(let tombstone):
            try await purge(tombstone)
        case .createBuild, .updateBuild, .createImage, .updateImage, .resolveImage, .createVM, .updateVM,
            .placeVM:
            break
        }
        return nil
    }

    // MARK: builds

    private func startRun(
        _ execution: inout ExecutionRecord, reuse: Int64?, state: CatalogState
    ) async throws -> ExecutionWorker? {
        guard let id = execution.id else { throw ExecutorError.noExecution }
        if let reuse, let source = state.executions[execution.buildName]?.first(where: { $0.id == reuse }) {
            let outputs = state.virtualImages[reuse] ?? []
            // In a fleet the outputs may be on another host: reused where this host sees them, built again otherwise.
            if options.fleetHost == nil || outputs.allSatisfy({ FileManager.default.isReadableFile(atPath: $0.path) }) {
                try await reuseOutputs(&execution, from: source, images: outputs)
                return nil
            }
        }
        guard let worker = try await builds.start(execution) else { return nil }
        return ExecutionWorker(executionId: id, pid: worker.pid, startTime: worker.startTime)
    }

    /// Content-addressed reuse: an earlier successful execution with the same inputs already made these outputs, so
    /// the new execution hard-links them (copying where a link is impossible) instead of building again.
    private func reuseOutputs(
        _ execution: inout ExecutionRecord, from source: ExecutionRecord,
        images: [VirtualImageRecord]
    ) async throws {
        let folder = paths.artifacts(build: execution.buildName, number: execution.buildNumber)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let outputName =
            "\(ImageBuildSpec(execution.spec).buildOutputName ?? execution.buildName)-\(execution.buildNumber)"
        var created: [VirtualImageRecord] = []
        for image in images {
            let ext = (image.path as NSString).lastPathComponent.dropFirst(image.name.count)
            let target = "\(folder)/\(outputName)\(ext)"
            if !FileManager.default.fileExists(atPath: target) {
                if link(image.path, target) != 0 {
                    try FileManager.default.copyItem(atPath: image.path, toPath: target)
                }
            }
            created.append(
                VirtualImageRecord(
                    executionId: execution.id!, buildName: execution.buildName,
                    buildNumber: execution.buildNumber, name: outputName, format: image.format,
                    path: target, size: image.size, sha256: image.sha256, boot: image.boot,
                    createdAt: options.now()))
        }
        let message = "reused the outputs of execution #\(source.buildNumber) (same inputs)"
        try FileManager.default.createDirectory(
            atPath: paths.logs(build: execution.buildName), withIntermediateDirectories: true)
        try? "\(ISO8601DateFormatter().string(from: options.now())) [kiln] \(message)\n".write(
            toFile: execution.logPath, atomically: true, encoding: .utf8)
        execution.status = .success
        execution.statusMessage = message
        execution.statusPercent = 100
        execution.startDate = options.now()
        execution.endDate = execution.startDate
        execution.reusedFrom = source.id
        execution.packages = source.packages
        try await catalog.finishExecution(execution, images: created)
    }

    private func cancel(executionId: Int64, reason: String) async throws {
        guard var execution = try await catalog.execution(id: executionId), !execution.status.isFinished else { return }
        if await builds.isRunning(execution) {
            await builds.cancel(execution)
        } else {
            execution.status = .cancelled
            execution.statusMessage = "Cancelled: \(reason)"
            execution.endDate = options.now()
            try await catalog.saveExecution(execution)
        }
    }

    private func prune(build: String, executionId: Int64, number: Int, state: CatalogState) async throws {
        try await files.remove(paths.artifacts(build: build, number: number))
        if let log = state.executions[build]?.first(where: { $0.id == executionId })?.logPath, !log.isEmpty {
            try await files.remove(log)
        }
        try await catalog.deleteExecution(id: executionId)
        paths.removeWorkerFiles(execution: executionId)
    }

    private func deleteBuild(_ name: String, state: CatalogState, context: PassContext) async throws {
        var moves: [(String, String)] = []
        for execution in state.executions[name] ?? [] {
            moves.append(
                (paths.artifacts(build: name, number: execution.buildNumber), "artifacts/\(execution.buildNumber)"))
            if !execution.logPath.isEmpty { moves.append((execution.logPath, "logs/\(execution.buildNumber).log")) }
        }
        let executions = state.executions[name] ?? []
        for execution in executions where execution.status.isFinished {
            paths.removeWorkerFiles(execution: execution.id ?? -1)
        }
        let images = executions.flatMap { state.virtualImages[$0.id ?? -1] ?? [] }
        try await bury(
            ObjectKey(.imageBuild, name),
            contents: TombstoneContents(build: state.builds[name], executions: executions, virtualImages: images),
            moves: moves, contentHash: state.builds[name]?.contentHash ?? "", context: context)
    }

    // MARK: tombstones

    /// Moves an object's files to the tombstone area and replaces its rows with a tombstone.
    private func bury(
        _ key: ObjectKey, contents: TombstoneContents, moves: [(String, String)], contentHash: String,
        context: PassContext
    ) async throws {
        let folder = "\(paths.tombstones)/\(key.kind.slug)-\(key.name)-\(Int(context.now.timeIntervalSince1970))"
        var moved: [TombstoneRecord.MovedPath] = []
        for (original, relative) in moves {
            let target = "\(folder)/\(relative)"
            try await files.move(original, to: target)
            moved.append(.init(original: original, tombstone: target))
        }
        let tombstone = TombstoneRecord(
            objectKind: key.kind.rawValue, objectName: key.name, contentHash: contentHash,
            records: contents.encoded(), paths: moved, deletedAt: context.now,
            purgeAfter: context.now.addingTimeInterval(options.pruneGrace))
        _ = try await catalog.bury(tombstone, key: key)
        try? FileManager.default.removeItem(atPath: paths.status(key))
    }

    private func restore(_ tombstone: TombstoneRecord) async throws {
        for path in tombstone.paths {
            try await files.move(path.tombstone, to: path.original)
        }
        try await catalog.unbury(tombstone)
    }

    private func purge(_ tombstone: TombstoneRecord) async throws {
        for path in tombstone.paths {
            try await files.remove(path.tombstone)
        }
        if let id = tombstone.id { try await catalog.removeTombstone(id: id) }
    }

    // MARK: imported images

    var imageImport: ImageImport {
        ImageImport(catalog: catalog, importer: images, vms: vms, paths: paths, now: options.now)
    }

    /// Makes an Image's file (`images/<name>/<version>.qcow2`) from its URL or a stopped VM's disk, and points the
    /// Image at it (its MWS version goes up). A refusal (checksum, unsafe disk) leaves the Image FAILED, with why. In a
    /// fleet the leader enqueues it as work instead, for a host to claim (``enqueueImport(_:source:state:context:)``).
    private func importImage(
        _ name: String, source: ImageImportSource, state: CatalogState, context: PassContext
    ) async throws {
        guard var image = state.images[name] else { throw ExecutorError.missing("Image \(name)") }
        if options.importsAsWork {
            return try await enqueueImport(image, source: source, state: state, context: context)
        }
        let made: ImageRecord
        do {
            made = try await imageImport.make(image, source: source)
        } catch {
            let failure = ActionFailure(error)
            if failure.isTerminal {
                image.state = .failed
                image.updatedAt = options.now()
                _ = try await catalog.saveImage(image)
            }
            throw failure
        }
        _ = try await catalog.saveImage(made)
        try await imageImport.removeEarlierFiles(of: made, vms: Array(state.vms.values))
    }

    /// Removes an imported image's earlier file once no VM runs on it and its Image points elsewhere.
    func collectImageFile(_ path: String) async {
        guard path.hasPrefix(paths.images + "/") else { return }
        do {
            let state = try await catalog.state(of: [.vms, .images])
            guard !state.vms.values.contains(where: { $0.imagePath == path }),
                !state.images.values.contains(where: { $0.path == path }),
                try await catalog.isInInventory(location: path)
            else { return }
            try await files.remove(path)
        } catch {
            logger.warning("cannot remove the unused image file \(path): \(error)")
        }
    }

    // MARK: VMs

    private func provisionVM(
        _ name: String, image: ImageRecord, recreate reason: String?, context: PassContext
    ) async throws {
        guard var vm = try await catalog.vm(name) else { throw ExecutorError.missing("VirtualMachine \(name)") }
        // The spec's own user-data, read from the commit being applied and checked before anything is made.
        var userData: CloudInitUserData?
        if let path = vm.typed.userDataPath { userData = try await readUserData(path, context: context) }
        let key = ObjectKey(.virtualMachine, name)
        let directory = paths.vm(uuid: vm.uuid)
        let previousImage = vm.imagePath
        if reason != nil {
            try await vms.destroy(vm)
            try await files.remove(directory)
            vm.generation += 1
        }
        try await files.register(directory, owner: key, type: .directory)
        vm.vmStatus = .creating
        vm.imageName = image.name
        vm.imageBoot = image.boot
        vm.cloudInit = try await isCloudInit(image) || userData != nil
        vm.userDataDigest = vm.typed.userDataPath.flatMap { context.snapshot.fileDigests[$0] }
        if machineHost != nil { vm.machineSpec = vm.spec }
        vm = try await saveMachine(vm)
        var image = image
        if image.path == nil, case .url(let url, let checksum)? = image.typed.source {
            // The VM builder service's {url, checksum}: the disk is imported into the VM's own folder (and goes with it).
            guard let importer = images else {
                throw ActionFailure(
                    .badRequest,
                    "this Kiln was started without an image importer, so VirtualMachine \(name) cannot be made from \(url)"
                )
            }
            let imported = try await importer.importURL(
                url, checksum: checksum, to: "\(directory)/base.qcow2",
                work: "\(paths.work)/vm-\(vm.uuid)")
            image.path = imported.path
            image.sha256 = imported.sha256
            image.format = "qcow2"
            image.boot = imported.boot
            vm.imageBoot = imported.boot
        }
        let observation: VMObservation
        do {
            observation = try await vms.provision(
                vm, image: image, directory: directory,
                start: vm.typed.powerState == .running, userData: userData)
        } catch {
            // A machine that cannot be made as configured is failed, not forever creating; a hiccup stays creating
            // and is retried.
            let failure = ActionFailure(error)
            if failure.isTerminal {
                vm.vmStatus = .failed
                vm.errorCode = failure.vmErrorCode
                vm.errorMessage = failure.message
                vm.updatedAt = options.now()
                try await saveMachine(vm)
            }
            throw failure
        }
        vm.directory = directory
        vm.imageName = image.name
        vm.imagePath = image.path
        vm.imageSha256 = image.sha256
        vm.imageBoot = image.boot
        apply(observation, to: &vm)
        try await saveMachine(vm)
        if reason != nil, let previousImage, previousImage != vm.imagePath { await collectImageFile(previousImage) }
    }

    /// Whether VMs on `image` get a cloud-init seed: its disk came from an execution of a build with
    /// `isCloudInit: true` (as that execution's spec said).
    func isCloudInit(_ image: ImageRecord) async throws -> Bool {
        guard let id = image.virtualImageId else { return false }
        let virtualImages = try await catalog.state(of: [.virtualImages]).virtualImages
        guard let executionId = virtualImages.first(where: { $0.value.contains { $0.id == id } })?.key,
            let execution = try await catalog.execution(id: executionId)
        else { return false }
        return ImageBuildSpec(execution.spec).isCloudInit
    }

    /// Runs a VM action; when it fails, the VM's record says why with the VM builder service's code (the API and
    /// status show it), and the failure goes on to the retry policy.
    private func recordingVMError(_ name: String, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            let failure = ActionFailure(error)
            do {
                if var vm = try await catalog.vm(name),
                    vm.errorMessage != failure.message || vm.errorCode != failure.vmErrorCode
                {
                    // Its folder is gone: forget it, so that the next pass provisions the VM afresh.
                    if failure.reason == .notFound { vm.directory = nil }
                    vm.errorCode = failure.vmErrorCode
                    vm.errorMessage = failure.message
                    vm.updatedAt = options.now()
                    try await saveMachine(vm)
                }
            } catch {
                logger.error("cannot record the failure of VirtualMachine \(name): \(error)")
            }
            throw failure
        }
    }

    private func powerVM(_ name: String, on: Bool) async throws {
        guard var vm = try await catalog.vm(name) else { throw ExecutorError.missing("VirtualMachine \(name)") }
        let observation = on ? try await vms.start(vm) : try await vms.stop(vm)
        apply(observation, to: &vm)
        try await saveMachine(vm)
    }

    /// Saves a VM whose machine an action made or changed: whole for the reconciler's own pass; in a fleet host's
    /// pass only its machine columns, refused (``VMPlacementFenceError``) once the VM is placed elsewhere.
    @discardableResult
    func saveMachine(_ vm: VMRecord) async throws -> VMRecord {
        guard let host = machineHost else { return try await catalog.saveVM(vm) }
        guard try await catalog.saveVMMachine(vm, host: host) else {
            throw VMPlacementFenceError(vm: vm.name, host: host)
        }
        return vm
    }

    private func deleteVM(_ name: String, state: CatalogState, context: PassContext) async throws {
        guard var vm = state.vms[name] else { return }
        if options.fleetHost != nil {
            // A fleet's machines are their hosts': the one this VM was placed on sees it gone from the catalog and
            // removes its machine (``HostPass``). The tombstone keeps the record, placed nowhere, to restore.
            vm.placeOn(nil, reason: "deleted from git")
            try await bury(
                ObjectKey(.virtualMachine, name), contents: TombstoneContents(vm: vm), moves: [],
                contentHash: vm.contentHash, context: context)
            return
        }
        try await vms.destroy(vm)
        vm.vmStatus = .poweredOff
        vm.pid = nil
        vm.pidStartTime = nil
        vm.guestReady = false
        let moves = vm.directory.map { [($0, "vm")] } ?? []
        try await bury(
            ObjectKey(.virtualMachine, name), contents: TombstoneContents(vm: vm), moves: moves,
            contentHash: vm.contentHash, context: context)
    }

    func apply(_ observation: VMObservation, to vm: inout VMRecord, now: Date? = nil) {
        let now = now ?? options.now()
        if let process = observation.process, process.pid != vm.pid || process.startTime != vm.pidStartTime {
            // A new qemu process (a start after drift, a restart, a recreate): what its guest said no longer holds,
            // and its address and OS show again only once the agent (or, for the address, the DHCP lease) gives them.
            vm.bootStartedAt = now
            vm.ipAddress = nil
            vm.guestOs = nil
        }
        if observation.ready, !vm.guestReady { vm.readyAt = now }
        vm.acceleration = observation.acceleration ?? vm.acceleration
        vm.consoleTail = observation.ready ? nil : observation.consoleTail ?? vm.consoleTail
        vm.vmStatus = observation.status
        vm.pid = observation.process?.pid
        vm.pidStartTime = observation.process?.startTime
        vm.qmpSocket = observation.qmpSocket
        vm.ipAddress = observation.ipAddress ?? vm.ipAddress
        vm.guestOs = observation.guestOs ?? vm.guestOs
        if observation.process != nil {
            // As seen running; a stopped VM keeps what it was last plugged into.
            vm.bridge = observation.network?.bridge
            vm.tapDevice = observation.network?.tap
            vm.macAddress = observation.network?.mac
        }
        vm.guestReady = observation.ready
        vm.errorMessage = observation.status == .failed ? observation.message : nil
        vm.errorCode = observation.status == .failed ? "internal" : nil
        vm.updatedAt = now
    }
}

enum ExecutorError: Error, CustomStringConvertible {
    case noExecution
    case missing(String)

    var description: String {
        switch self {
        case .noExecution: "the execution was not recorded"
        case .missing(let what): "\(what) is not in the catalog"
        }
    }
}
