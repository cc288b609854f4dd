import KilnCatalog
import KilnPlanner
import KilnSpec

extension Reconciler {
    /// The fleet the planner places VMs over (``ReconcilerOptions/fleetHost``): every registered host, Lost or drained
    /// as the catalog's clock and flags say, and this one. Nil outside a fleet. `hosts.yaml`'s cordons (`hostsFile`)
    /// are applied first, so this pass already places by them.
    func fleetPlacement(hostsFile: HostsFile? = nil) async throws -> FleetPlacement? {
        guard let local = options.fleetHost else { return nil }
        let fleet = try await applyHostsFile(hostsFile, to: try await catalog.hosts())
        return FleetPlacement(hosts: fleet.hosts.map { PlacementHost($0, now: fleet.now) }, local: local)
    }
}
