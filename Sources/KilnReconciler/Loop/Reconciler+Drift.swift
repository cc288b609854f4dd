import Foundation
import KilnCatalog

extension Reconciler {
    /// Finds executions whose process is gone and VMs whose state changed behind Kiln's back; returns whether it
    /// changed the catalog.
    func observe(_ state: CatalogState) async -> Bool {
        var changed = false
        for execution in state.activeExecutions {
            guard !(await builds.isRunning(execution)) else { continue }
            // The worker may have finished between the two reads.
            guard var current = try? await catalog.execution(id: execution.id ?? -1), !current.status.isFinished else { continue }
            current.status = .failed
            current.interrupted = true
            current.endDate = Date()
            current.errorMessage = "interrupted: no process was running this execution (Kiln or its host stopped); it runs again"
            current.statusMessage = "Interrupted"
            try? await catalog.saveExecution(current)
            changed = true
            logger.warning("execution #\(current.buildNumber) of \(current.buildName) was interrupted; marked failed")
            paths.removeWorkerFiles(execution: current.id ?? -1)
        }
        for vm in state.vms.values where vm.directory != nil && vm.vmStatus != .waiting {
            let observation = await vms.observe(vm)
            guard observation.status != vm.vmStatus || observation.ready != vm.guestReady
                || observation.ipAddress != vm.ipAddress else { continue }
            var updated = vm
            executor.apply(observation, to: &updated)
            _ = try? await catalog.saveVM(updated)
            changed = true
        }
        return changed
    }
}
