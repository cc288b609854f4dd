import KilnSpec

/// Where a VirtualMachine may run (its spec's `placement`): on one named host, on hosts with all these labels, or
/// (neither) anywhere it fits.
public struct VMPlacement: Sendable, Hashable {
    /// `placement.host`: this host only.
    public var host: String?
    /// `placement.labels`, as `key=value`: hosts with all of them.
    public var labels: Set<String>

    public init(host: String? = nil, labels: [String: String] = [:]) {
        self.host = host
        self.labels = Set(labels.map { "\($0.key)=\($0.value)" })
    }

    /// A spec's `placement` object (none: anywhere).
    public init(spec: SpecValue?) {
        self.init(host: spec?["host"]?.string, labels: (spec?["labels"]?.object ?? [:]).compactMapValues(\.string))
    }

    /// Whether `host` is one this VM may run on (capacity aside).
    func allows(_ host: PlacementHost) -> Bool {
        (self.host == nil || self.host == host.name) && labels.isSubset(of: host.labels)
    }

    var description: String {
        var parts: [String] = []
        if let host { parts.append("host \(host)") }
        if !labels.isEmpty { parts.append("labels \(labels.sorted().joined(separator: ", "))") }
        return parts.joined(separator: " and ")
    }
}

/// One VM to place: what it needs, where it may run, and where it runs now.
public struct PlacementRequest: Sendable, Hashable {
    public var vm: String
    public var cpus: Int64
    public var memoryBytes: Int64
    public var placement: VMPlacement
    /// The host the catalog says it was placed on (nil: not placed yet).
    public var current: String?

    public init(
        vm: String, cpus: Int64, memoryBytes: Int64, placement: VMPlacement = VMPlacement(), current: String? = nil
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
            placement: VMPlacement(spec: spec["placement"]), current: current)
    }
}
