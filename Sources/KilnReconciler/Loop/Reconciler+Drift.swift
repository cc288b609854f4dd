import Foundation
import KilnCatalog
import KilnSpec

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
                guard var current = try await catalog.execution(id: execution.id ?? -1), !current.status.isFinished else { continue }
                current.status = .failed
                current.interrupted = true
                current.endDate = Date()
                current.errorMessage = "interrupted: no process was running this execution (Kiln or its host stopped); it runs again"
                current.statusMessage = "Interrupted"
                try await catalog.saveExecution(current)
                changed = true
                logger.warning("execution #\(current.buildNumber) of \(current.buildName) was interrupted; marked failed")
                paths.removeWorkerFiles(execution: current.id ?? -1)
            } catch {
                catalogFailed(&pass, key, "cannot record that execution #\(execution.buildNumber) was interrupted", error)
            }
        }
        // Each observation waits on a qemu monitor (with its own deadline); many at once, but not without bound.
        let watched = pass.actual.vms.values.filter { $0.directory != nil && $0.vmStatus != .waiting }.sorted { $0.name < $1.name }
        let driver = vms
        let observations = await boundedMap(watched, limit: options.maxObservations) { await driver.observe($0) }
        for (vm, observation) in zip(watched, observations) {
            guard observation.status != vm.vmStatus || observation.ready != vm.guestReady
                || observation.ipAddress != vm.ipAddress else { continue }
            var updated = vm
            executor.apply(observation, to: &updated)
            do {
                _ = try await catalog.saveVM(updated)
                changed = true
            } catch {
                catalogFailed(&pass, ObjectKey(.virtualMachine, vm.name), "cannot record what VirtualMachine \(vm.name) is doing", error)
            }
        }
        return changed
    }

    /// A catalog write that failed: logged, and remembered as a transient failure of the object so that its status
    /// says so and the pass does not count as settled.
    func catalogFailed(_ pass: inout PassState, _ key: ObjectKey, _ what: String, _ error: any Error) {
        let message = "\(what): \(error)"
        logger.error("\(message)")
        pass.report.catalogErrors.append(message)
        let attempts = (memory.retries[key]?.attempts ?? 0) + 1
        memory.retries[key] = RetryState(attempts: attempts, next: pass.now, message: message,
                                         failure: ActionFailure(.catalogError, message), fromObservation: true)
    }
}
