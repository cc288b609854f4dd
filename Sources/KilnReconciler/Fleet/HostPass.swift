import Foundation
import KilnCatalog
import KilnPlanner
import KilnSpec
import Logging
import Metrics

/// A fleet host's own VMs (issue 13): every replica of a fleet, leader or not, runs this pass over the VMs the leader
/// placed on it. The leader records specs and placements and makes no machine; each host makes, starts, stops,
/// recreates and watches its own through its VM driver, and writes only those VMs' machine columns, fenced by the
/// placement (``Catalog/saveVMMachine(_:host:)``), not by the leader epoch: a host keeps its VMs running while the
/// lead changes hands, and a host a VM was moved away from can no longer write it.
///
/// A pass: remove leftover machines (folders under `<data-dir>/vms` of VMs now placed elsewhere, placed nowhere, or
/// deleted from the catalog); observe the machines placed here and record what changed (drift included); then plan
/// them against the commit the leader applied (``Planner/planHost``) and act. Failed actions back off as the
/// reconciler's do; a terminal failure waits for a new spec.
public actor HostPass {
    let host: String
    let catalog: any Catalog
    let vms: any VMDriver
    let source: any DesiredStateSource
    let paths: DataPaths
    let options: ReconcilerOptions
    let logger: Logger
    let executor: ActionExecutor
    /// The commit the leader applied, as last loaded.
    var applied: (snapshot: Snapshot, revision: Revision)?
    /// Failed machine actions by VM: when each may be tried again, and for which spec (a terminal failure waits for
    /// another).
    var retries: [String: (attempts: Int, next: Date, terminal: Bool, contentHash: String)] = [:]
    /// The commit that could not be loaded, logged once.
    var unreadable: String?
    /// The VM and Image tables as last read, with the change counters they were read at: a pass re-reads only a
    /// table that moved (every replica runs this pass every lease/3).
    var cache: (state: CatalogState, changes: CatalogChanges)?

    /// `catalog` is the plain (unfenced) catalog: this pass's writes are fenced by placement, not leadership.
    public init(
        host: String, catalog: any Catalog, vms: any VMDriver, source: any DesiredStateSource, paths: DataPaths,
        options: ReconcilerOptions, images: (any ImageImportDriver)? = nil,
        logger: Logger = Logger(label: "kiln.host")
    ) {
        self.host = host
        self.catalog = catalog
        self.vms = vms
        self.source = source
        self.paths = paths
        self.options = options
        self.logger = logger
        var executor = ActionExecutor(
            catalog: catalog, builds: NoBuildDriver(), vms: vms, images: images, paths: paths, options: options,
            logger: logger, source: source)
        executor.machineHost = host
        self.executor = executor
    }

    /// One pass over this host's VMs.
    public func pass() async -> HostPassReport {
        let now = options.now()
        var report = HostPassReport()
        var state: CatalogState
        do {
            state = try await read()
        } catch {
            report.error = "cannot read the catalog: \(error)"
            return report
        }
        report.removed = await removeLeftovers(state, now: now)
        let mine = state.vms.values.filter { $0.host == host }
        for vm in await observe(mine, now: now) { state.vms[vm.name] = vm }
        let placed = state.vms.values.filter { $0.host == host }
        report.vms = placed.map(\.name).sorted()
        // Only machines that run or are being made: a VM waiting for its image must not keep the build that makes
        // the image from this host.
        let running = placed.filter { $0.vmStatus == .poweredOn || $0.vmStatus == .creating }
        report.reserved = WorkCapacity(
            cpus: running.reduce(0) { $0 + Int64($1.typed.cpus) },
            memoryBytes: running.reduce(0) { $0 + Int64(clamping: $1.typed.memory.bytes) })
        report.busy = state.vms.values.contains {
            $0.host == host
                && ($0.vmStatus == .creating
                    || ($0.vmStatus == .poweredOn && !$0.guestReady && !$0.missedBootDeadline(now: now)))
        }
        guard let (snapshot, revision) = await appliedCommit() else { return report }
        let plan = Planner.planHost(desired: snapshot, actual: state, host: host, now: now)
        let due = plan.actions.filter { action in
            guard let retry = retries[action.key.name] else { return true }
            if retry.contentHash != state.vms[action.key.name]?.contentHash { return true }
            return !retry.terminal && retry.next <= now
        }
        let context = PassContext(
            snapshot: snapshot, revision: revision, specRoot: source.origin.specRoot, policy: PlannerPolicy(now: now),
            now: now)
        let executor = executor
        let actual = state
        let failures = await boundedMap(due, limit: options.maxConcurrency) { action -> ActionFailure? in
            do {
                _ = try await executor.perform(action, execution: nil, state: actual, context: context)
                return nil
            } catch {
                return ActionFailure(error)
            }
        }
        for (action, failure) in zip(due, failures) {
            report.outcomes.append(ActionOutcome(action: action, failure: failure))
            let name = action.key.name
            guard let failure else {
                retries[name] = nil
                logger.info("host \(host): \(action.summary)")
                continue
            }
            logger.warning("host \(host): \(action.summary) failed: \(failure)")
            let attempts = (retries[name]?.attempts ?? 0) + 1
            let delay = min(options.maxBackoff, options.baseBackoff * pow(2, Double(attempts - 1)))
            retries[name] = (
                attempts, now.addingTimeInterval(delay), failure.isTerminal, state.vms[name]?.contentHash ?? ""
            )
        }
        if !due.isEmpty { report.busy = true }
        return report
    }

    /// The VM and Image tables, read again only where their change counters moved (counters first: the copy is never
    /// older than the counters kept with it).
    func read() async throws -> CatalogState {
        let tables: Set<CatalogTable> = [.vms, .images]
        let changes = try await catalog.changes()
        guard !changes.versions.isEmpty, let cache else {
            let state = try await catalog.state(of: tables)
            cache = changes.versions.isEmpty ? nil : (state, changes)
            return state
        }
        let moved = changes.changed(since: cache.changes).intersection(tables)
        var state = cache.state
        if !moved.isEmpty { state.replace(moved, from: try await catalog.state(of: moved)) }
        self.cache = (state, changes)
        return state
    }

    /// Lets go of the driver's monitor connections (the VMs go on running).
    public func shutdown() async { await vms.shutdown() }

    // MARK: steps

    /// The commit the leader applied last, loaded (fetching first when this host has not seen it yet); nil before the
    /// leader applied anything, or when it cannot be read here (then the host only watches its machines).
    func appliedCommit() async -> (Snapshot, Revision)? {
        guard let commit = try? await catalog.sync().lastAppliedCommit else { return nil }
        if let applied, applied.revision.id == commit { return applied }
        var load = await source.load(commit: commit)
        if case .failure = load.result {
            _ = try? await source.poll()
            load = await source.load(commit: commit)
        }
        switch load.result {
        case .success(let snapshot):
            applied = (snapshot, load.revision)
            unreadable = nil
            return (snapshot, load.revision)
        case .failure(let failure):
            if unreadable != commit {
                logger.error(
                    "host \(host): cannot read the applied commit \(commit.prefix(12)) (\(failure.errors.first.map { "\($0)" } ?? "unknown")); watching this host's VMs only"
                )
                unreadable = commit
            }
            return nil
        }
    }

    /// Each machine placed here (made, not waiting): what it does now, recorded when it changed. Returns the records
    /// written.
    func observe(_ records: [VMRecord], now: Date) async -> [VMRecord] {
        let watched = records.filter { $0.directory != nil && $0.vmStatus != .waiting }.sorted { $0.name < $1.name }
        let driver = vms
        let observations = await boundedMap(watched, limit: options.maxObservations) { await driver.observe($0) }
        var written: [VMRecord] = []
        for (vm, observation) in zip(watched, observations) {
            let (newProcess, replugged) = Reconciler.newProcess(observation, of: vm)
            guard Reconciler.seesChange(observation, of: vm, newProcess: newProcess, replugged: replugged) else {
                continue
            }
            var updated = vm
            executor.apply(observation, to: &updated, now: now)
            if let drift = Reconciler.drift(recorded: vm, observed: observation) {
                updated.driftCount += 1
                updated.lastDrift = drift
                updated.lastDriftAt = now
                Counter(label: "kiln_vm_drift_total", dimensions: [("vm", vm.name)]).increment()
                logger.warning("host \(host): VirtualMachine \(vm.name) drifted: \(drift); restoring it")
            }
            do {
                if try await catalog.saveVMMachine(updated, host: host) { written.append(updated) }
            } catch {
                logger.error("host \(host): cannot record what VirtualMachine \(vm.name) is doing: \(error)")
            }
        }
        return written
    }

    /// Stops and removes this host's machines of VMs no longer placed on it: moved elsewhere (a host Lost and back, a
    /// drain), placed nowhere (Unschedulable), or deleted (the folder is in the inventory but no VM has it). A VM not
    /// placed yet (no host, no reason) is left alone, as is any folder Kiln did not make. Returns the folders removed.
    func removeLeftovers(_ state: CatalogState, now: Date) async -> [String] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: paths.vms) else { return [] }
        let byUUID = Dictionary(state.vms.values.map { ($0.uuid, $0) }, uniquingKeysWith: { a, _ in a })
        var removed: [String] = []
        var inventory: [String: String]?
        for entry in entries.sorted() {
            let folder = paths.vm(uuid: entry)
            var leftover: VMRecord
            let why: String
            if let vm = byUUID[entry] {
                if vm.host == host || (vm.host == nil && vm.placementReason == nil) { continue }
                leftover = vm
                why = vm.host.map { "it is placed on \($0) now" } ?? "it is placed on no host now"
            } else {
                if inventory == nil {
                    let items = (try? await catalog.inventory(owner: nil)) ?? []
                    inventory = Dictionary(items.map { ($0.location, $0.owner) }, uniquingKeysWith: { a, _ in a })
                }
                // Only what Kiln made: a folder its inventory lists.
                guard let owner = inventory?[folder] else { continue }
                let name = owner.split(separator: "/", maxSplits: 1).last.map(String.init) ?? entry
                leftover = VMRecord(
                    name: name, uuid: entry, spec: .object([:]), specHash: "", contentHash: "", revision: "", file: "",
                    line: 0, createdAt: now, updatedAt: now)
                why = "its VirtualMachine is gone from the catalog"
            }
            leftover.directory = folder
            do {
                try await vms.destroy(leftover)
                try await executor.files.remove(folder)
                removed.append(folder)
                logger.info("host \(host): removed the leftover machine of VirtualMachine \(leftover.name) (\(why))")
            } catch {
                logger.error(
                    "host \(host): cannot remove the leftover machine of VirtualMachine \(leftover.name) in \(folder): \(error)"
                )
            }
        }
        return removed
    }
}

/// What one host pass did.
public struct HostPassReport: Sendable {
    /// The VMs placed on this host.
    public var vms: [String] = []
    /// The CPUs and memory those of them that run (or are being made) take: what this host's build claims leave to
    /// them.
    public var reserved = WorkCapacity(cpus: 0, memoryBytes: 0)
    /// The machine actions performed, with their failures.
    public var outcomes: [ActionOutcome] = []
    /// Leftover machine folders removed.
    public var removed: [String] = []
    /// Whether something is in flight (a machine booting, an action just done): look again soon.
    public var busy = false
    /// Why the pass could not run (the catalog could not be read).
    public var error: String?
}

/// A host pass runs no builds: the executor's build driver, never called.
struct NoBuildDriver: BuildDriver {
    func start(_ execution: ExecutionRecord) async throws -> WorkerProcess? { nil }
    func cancel(_ execution: ExecutionRecord) async {}
    func isRunning(_ execution: ExecutionRecord) async -> Bool { false }
    func toolsFingerprint() async -> String { "" }
}
