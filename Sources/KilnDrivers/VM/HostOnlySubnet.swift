/// The IPv4 subnet of the host-only bridge (`--vm-hostonly-address`, e.g. `192.168.213.1/24`): the host's address on
/// the bridge and the range dnsmasq leases from. Pure, so its arithmetic is tested on its own.
public struct HostOnlySubnet: Sendable, Hashable, CustomStringConvertible {
    public var address: UInt32
    public var prefix: Int

    /// `A.B.C.D/P` with a prefix from 8 to 29 and a host address (not the network's or the broadcast address).
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let prefix = Int(parts[1]), (8...29).contains(prefix) else { return nil }
        let octets = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var address: UInt32 = 0
        for octet in octets {
            guard octet.count <= 3, octet.allSatisfy(\.isASCII), let value = UInt32(octet), value <= 255 else {
                return nil
            }
            address = address << 8 | value
        }
        self.address = address
        self.prefix = prefix
        guard address != network, address != broadcast else { return nil }
    }

    var mask: UInt32 { UInt32.max << UInt32(32 - prefix) }
    var network: UInt32 { address & mask }
    var broadcast: UInt32 { network | ~mask }

    static func dotted(_ value: UInt32) -> String {
        [24, 16, 8, 0].map { String((value >> UInt32($0)) & 0xFF) }.joined(separator: ".")
    }

    public var description: String { "\(Self.dotted(address))/\(prefix)" }
    public var hostAddress: String { Self.dotted(address) }
    var netmask: String { Self.dotted(mask) }

    /// The addresses dnsmasq leases: those above the host's address, or below it when none are above.
    var leaseRange: (first: String, last: String) {
        if address + 1 <= broadcast - 1 { return (Self.dotted(address + 1), Self.dotted(broadcast - 1)) }
        return (Self.dotted(network + 1), Self.dotted(address - 1))
    }
}
