import Foundation
import KilnCatalog
import KilnSpec
import Metrics

extension Reconciler {
    /// Finds executions whose process is gone and VMs whose state changed behind Kiln's back, and records what it
    /// found. Returns whether it changed the catalog. A write that fails is logged and reported as a failure of that
    /// object (its status shows it, and the next pass tries again); nothing is dropped silently.
    func observe(_ pass: inout PassState) async -> Bool {
        var changed = false
        memory.retries = memory.retries.filter { !$0.value.fromObservation }
        for execution in pass.actual.activeExecutions {
            guard !(await builds.isRunning(execution)) else { continue }
            let key = ObjectKey(.imageBuild, execution.buildName)
            do {
                // The worker may have finished between the two reads.
                guard var current = try await catalog.execution(id: execution.id ?? -1), !current.status.isFinished
                else { continue }
                current.status = .failed
                current.interrupted = true
                current.endDate = pass.now
                current.errorMessage =
                    "interrupted: no process was running this execution (Kiln or its host stopped); it runs again"
                current.statusMessage = "Interrupted"
                try await catalog.saveExecution(current)
                changed = true
                logger.warning(
                    "execution #\(current.buildNumber) of \(current.buildName) was interrupted; marked failed")
                paths.removeWorkerFiles(execution: current.id ?? -1)
            } catch {
                catalogFailed(
                    &pass, key, "cannot record that execution #\(execution.buildNumber) was interrupted", error)
            }
        }
        // In a fleet each host watches the machines placed on it (``HostPass``); the leader reads what they saw.
        if options.fleetHost == nil, !pass.vmsObserved, await observeVMs(Array(pass.actual.vms.values), &pass) {
            changed = true
        }
        return changed
    }

    /// Whether a quiet pass must look again at VMs: outside a fleet, the drift check of this host's machines; in a
    /// fleet, whether any VM row moved since the last full pass read them (hosts write what their machines do), or a
    /// host was lost, came back, was drained or joined. The hosts are judged as a full pass judges them (by how long
    /// this leader has watched the catalog), so old heartbeats after a catalog outage do not turn every quiet pass
    /// into a full one.
    func vmsNeedALook(_ pass: inout PassState) async -> Bool {
        guard options.fleetHost != nil else { return await observeVMs(memory.watchedVMs, &pass) }
        guard let changes = try? await catalog.changes(), let cached = memory.catalogCache else { return true }
        if changes.versions[.vms] != cached.changes.versions[.vms] { return true }
        guard let hosts = try? await catalog.hosts() else { return true }
        return Self.fleetShape(hosts.watched(for: options.catalogWatched?())) != memory.fleetShape
    }

    /// The drift check, on every pass (quiet ones included): each VM's process (pidfile and `/proc` start time) and
    /// its monitor's run state, at most ``ReconcilerOptions/maxObservations`` at once. What changed is recorded; a
    /// machine that died, or was stopped or started behind Kiln's back, counts as drift (reported, counted, and
    /// restored by the plan of the same pass). Returns whether anything changed.
    func observeVMs(_ records: [VMRecord], _ pass: inout PassState) async -> Bool {
        pass.vmsObserved = true
        let watched = records.filter { $0.directory != nil && $0.vmStatus != .waiting }.sorted { $0.name < $1.name }
        let driver = vms
        let observations = await boundedMap(watched, limit: options.maxObservations) { await driver.observe($0) }
        var changed = false
        for (vm, observation) in zip(watched, observations) {
            let newProcess = observation.process.map { $0.pid != vm.pid || $0.startTime != vm.pidStartTime } ?? false
            let replugged =
                observation.network.map { $0.bridge != vm.bridge || $0.tap != vm.tapDevice || $0.mac != vm.macAddress }
                ?? false
            guard Self.seesChange(observation, of: vm, newProcess: newProcess, replugged: replugged) else { continue }
            var updated = vm
            executor.apply(observation, to: &updated, now: pass.now)
            if let drift = Self.drift(recorded: vm, observed: observation) {
                updated.driftCount += 1
                updated.lastDrift = drift
                updated.lastDriftAt = pass.now
                pass.report.drifted.append(ObjectKey(.virtualMachine, vm.name))
                Counter(label: "kiln_vm_drift_total", dimensions: [("vm", vm.name)]).increment()
                logger.warning("VirtualMachine \(vm.name) drifted: \(drift); restoring it")
            }
            do {
                _ = try await catalog.saveVM(updated)
                changed = true
            } catch {
                catalogFailed(
                    &pass, ObjectKey(.virtualMachine, vm.name), "cannot record what VirtualMachine \(vm.name) is doing",
                    error)
            }
        }
        return changed
    }

    /// Whether an observation says anything the VM's record does not.
    static func seesChange(_ observation: VMObservation, of vm: VMRecord, newProcess: Bool, replugged: Bool) -> Bool {
        observation.status != vm.vmStatus || observation.ready != vm.guestReady || newProcess || replugged
            || (observation.ipAddress != nil && observation.ipAddress != vm.ipAddress)
            || (observation.guestOs != nil && observation.guestOs != vm.guestOs)
            || (!observation.ready && observation.consoleTail != vm.consoleTail)
    }

    /// Whether an observation shows a new process, or the card plugged elsewhere.
    static func newProcess(_ observation: VMObservation, of vm: VMRecord) -> (process: Bool, replugged: Bool) {
        let process = observation.process.map { $0.pid != vm.pid || $0.startTime != vm.pidStartTime } ?? false
        let replugged =
            observation.network.map { $0.bridge != vm.bridge || $0.tap != vm.tapDevice || $0.mac != vm.macAddress }
            ?? false
        return (process, replugged)
    }

    /// What differs between what git asks of a machine and what it does, when it changed behind Kiln's back.
    static func drift(recorded vm: VMRecord, observed: VMObservation) -> String? {
        let wanted = vm.typed.powerState
        let wasOn = vm.vmStatus == .poweredOn || vm.vmStatus == .creating
        if wanted == .running, wasOn, observed.status == .poweredOff {
            return "\(observed.message ?? "it stopped") while git asks for it running"
        }
        if wanted == .stopped, vm.vmStatus == .poweredOff, observed.status == .poweredOn {
            return "it runs while git asks for it stopped"
        }
        return nil
    }

    /// A catalog write that failed: logged, and remembered as a transient failure of the object so that its status
    /// says so and the pass does not count as settled.
    func catalogFailed(_ pass: inout PassState, _ key: ObjectKey, _ what: String, _ error: any Error) {
        let message = "\(what): \(error)"
        logger.error("\(message)")
        pass.report.catalogErrors.append(message)
        let attempts = (memory.retries[key]?.attempts ?? 0) + 1
        memory.retries[key] = RetryState(
            attempts: attempts, next: pass.now, message: message,
            failure: ActionFailure(.catalogError, message), fromObservation: true)
    }
}
