/// The fleet a leader places VMs over (issue 13): the hosts as the catalog has them, and the host this replica is.
/// Outside a fleet (one host on SQLite, `kiln sync`) the planner has none, and places nothing: every VM runs on the
/// local host as it always did.
public struct FleetPlacement: Sendable, Hashable {
    public var hosts: [PlacementHost]
    /// This replica's `--host-name`: the leader runs the VMs placed on it.
    public var local: String
    /// Images whose only copy is on a Lost host, with the reason naming that host: what this replica could not see
    /// in place, in the shared store or in its cache (found by the reconciler, which can look at files).
    public var unavailableImages: [String: String]

    public init(hosts: [PlacementHost], local: String, unavailableImages: [String: String] = [:]) {
        self.hosts = hosts
        self.local = local
        self.unavailableImages = unavailableImages
    }
}
