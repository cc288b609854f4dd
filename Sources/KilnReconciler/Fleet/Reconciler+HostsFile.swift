import KilnCatalog
import KilnSpec

extension Reconciler {
    /// Applies the spec repository's `hosts.yaml` (its `cordoned` list; none: no host is cordoned by git) to the
    /// catalog's hosts, `fleet` being the hosts as last read, and returns them as they are after. Writes only when a
    /// host's flag differs from the list. Names no host has are logged as a warning once per list, with where they
    /// are written: a host may register later, and is cordoned from its first heartbeat's next pass.
    func applyHostsFile(_ file: HostsFile?, to fleet: FleetHosts) async throws -> FleetHosts {
        let listed = file?.cordoned ?? []
        let known = Set(fleet.hosts.map(\.name))
        let unknown = listed.filter { !known.contains($0) }
        if unknown != memory.reportedUnknownHosts {
            memory.reportedUnknownHosts = unknown
            if let file, !unknown.isEmpty {
                let places = unknown.map { "\($0) (\(file.location(of: $0)))" }.joined(separator: ", ")
                logger.warning(
                    "\(HostsFile.fileName) cordons hosts the fleet does not have: \(places); the fleet's hosts are \(fleet.hosts.map(\.name).sorted().joined(separator: ", "))"
                )
            }
        }
        let wanted = Set(listed)
        guard fleet.hosts.contains(where: { $0.cordonedInGit != wanted.contains($0.name) }) else { return fleet }
        _ = try await catalog.cordonInGit(listed)
        var after = fleet
        for index in after.hosts.indices { after.hosts[index].cordonedInGit = wanted.contains(after.hosts[index].name) }
        return after
    }
}
