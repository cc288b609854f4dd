/// `networkType` of a VirtualMachine (the VM builder service's `network_type`).
public enum NetworkType: String, Sendable, Hashable, CaseIterable, Codable {
    /// User-mode networking: the guest reaches out through the host; forwards bind on loopback only.
    case nat
    /// The operator's bridge (`--vm-bridge`) through a tap device.
    case bridged
    /// A Kiln-managed host-only bridge with DHCP: VMs reach each other and the host, nothing else.
    case hostonly
}

/// `powerState` of a VirtualMachine: what git asks the machine to be.
public enum PowerState: String, Sendable, Hashable, CaseIterable, Codable {
    case running
    case stopped
}
