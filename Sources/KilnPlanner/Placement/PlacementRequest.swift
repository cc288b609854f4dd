import KilnSpec

extension Placement {
    /// Whether a VM with this placement may run on `host` (capacity aside).
    func allows(_ host: PlacementHost) -> Bool {
        (self.host == nil || self.host == host.name) && Set(labelList).isSubset(of: host.labels)
    }
}

/// One VM to place: what it needs, where it may run, and where it runs now.
public struct PlacementRequest: Sendable, Hashable {
    public var vm: String
    public var cpus: Int64
    public var memoryBytes: Int64
    public var placement: Placement
    /// The host the catalog says it was placed on (nil: not placed yet).
    public var current: String?

    public init(
        vm: String, cpus: Int64, memoryBytes: Int64, placement: Placement = Placement(), current: String? = nil
    ) {
        self.vm = vm
        self.cpus = cpus
        self.memoryBytes = memoryBytes
        self.placement = placement
        self.current = current
    }

    /// A VM spec's needs and placement.
    public init(vm: String, spec: SpecValue, current: String?) {
        let typed = VirtualMachineSpec(spec)
        self.init(
            vm: vm, cpus: Int64(typed.cpus), memoryBytes: Int64(clamping: typed.memory.bytes),
            placement: Placement(spec: spec["placement"]), current: current)
    }
}
