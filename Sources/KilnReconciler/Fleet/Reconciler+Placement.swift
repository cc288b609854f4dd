import KilnCatalog
import KilnPlanner
import KilnSpec

extension Reconciler {
    /// The fleet the planner places VMs over (``ReconcilerOptions/fleetHost``): every registered host, Lost or drained
    /// as the catalog's clock and flags say, and this one. Nil outside a fleet. `hosts.yaml`'s cordons (`hostsFile`)
    /// are applied first, so this pass already places by them; work claimed by Lost hosts goes back to the queue.
    /// `images` are the catalog's: those whose only copy is on a Lost host are named, for their status.
    func fleetPlacement(hostsFile: HostsFile? = nil, images: [ImageRecord] = []) async throws -> FleetPlacement? {
        guard let local = options.fleetHost else { return nil }
        let fleet = try await applyHostsFile(hostsFile, to: try await catalog.hosts()).watched(
            for: options.catalogWatched?())
        memory.fleetShape = Self.fleetShape(fleet)
        await requeueWorkOfLostHosts(fleet)
        return FleetPlacement(
            hosts: fleet.hosts.map { PlacementHost($0, in: fleet) }, local: local,
            unavailableImages: unavailableImages(images, fleet))
    }

    /// The Images no host can use now, by name, with the reason (``ReconcilerOptions/lostCopy``). While every host is
    /// alive no file is looked at.
    func unavailableImages(_ images: [ImageRecord], _ fleet: FleetHosts) -> [String: String] {
        guard let lostCopy = options.lostCopy, fleet.hosts.contains(where: { fleet.state(of: $0) == .lost })
        else { return [:] }
        var unavailable: [String: String] = [:]
        for image in images where image.state == .active && image.path != nil {
            if let reason = lostCopy(image, fleet) { unavailable[image.name] = reason }
        }
        return unavailable
    }

    /// How the fleet's hosts stand, one line per host (name, Ready or Lost, cordoned or not), in name order.
    static func fleetShape(_ fleet: FleetHosts) -> [String] {
        fleet.hosts.map { "\($0.name) \(fleet.state(of: $0).rawValue) \($0.isCordoned)" }.sorted()
    }
}
