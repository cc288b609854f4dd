import Foundation
import Testing

@testable import KilnDrivers

/// The host-only network's pure parts: the subnet flag, the range dnsmasq leases from, dnsmasq's command line and the
/// leases file. (The real bridge, tap and dnsmasq run in a network namespace: KilnCLITests' VMNetworkTests.)
@Suite("host-only network")
struct HostOnlyNetworkTests {
    @Test("--vm-hostonly-address: an IPv4 host address with a prefix; the leases are the addresses above it")
    func subnet() throws {
        let subnet = try #require(HostOnlySubnet("192.168.213.1/24"))
        #expect(subnet.hostAddress == "192.168.213.1" && subnet.netmask == "255.255.255.0")
        #expect(subnet.leaseRange == ("192.168.213.2", "192.168.213.254"))
        let top = try #require(HostOnlySubnet("10.1.2.254/24"))
        #expect(top.leaseRange == ("10.1.2.1", "10.1.2.253"), "no room above the host: below it")
        let small = try #require(HostOnlySubnet("10.0.0.9/29"))
        #expect(small.leaseRange == ("10.0.0.10", "10.0.0.14"))
        for bad in [
            "192.168.213.1", "192.168.213.0/24", "192.168.213.255/24", "192.168.213.1/31", "300.1.1.1/24",
            "1.2.3/24", "a.b.c.d/24", "192.168.213.1/x", "192.168.213.1/24/1", "1.2.3.4/7"
        ] {
            #expect(HostOnlySubnet(bad) == nil, "\(bad)")
        }
    }

    @Test("dnsmasq: DHCP only, on the bridge only, no router and no DNS handed out, its files in Kiln's folder")
    func dnsmasqArguments() throws {
        let configuration = HostOnlyNetwork.Configuration(
            bridge: "kiln0", subnet: try #require(HostOnlySubnet("192.168.213.1/24")),
            directory: "/d/network")
        #expect(
            HostOnlyNetwork.dnsmasqArguments(configuration) == [
                "--conf-file=/dev/null", "--port=0", "--interface=kiln0", "--bind-interfaces", "--except-interface=lo",
                "--dhcp-range=192.168.213.2,192.168.213.254,255.255.255.0,12h",
                "--dhcp-option=3", "--dhcp-option=6", "--dhcp-authoritative",
                "--dhcp-leasefile=/d/network/dnsmasq.leases", "--pid-file=/d/network/dnsmasq.pid",
                "--log-facility=/d/network/dnsmasq.log", "--log-dhcp"
            ])
    }

    @Test("a VM's address is the newest lease of its MAC")
    func leases() {
        let leases = """
            1796474966 52:54:0b:5e:2c:1d 192.168.213.9 * 01:52:54:0b:5e:2c:1d
            1796474970 52:54:aa:bb:cc:dd 192.168.213.10 web *
            1796474999 52:54:0B:5E:2C:1D 192.168.213.12 * *

            """
        #expect(HostOnlyNetwork.leasedAddress(mac: "52:54:0b:5e:2c:1d", leases: leases) == "192.168.213.12")
        #expect(HostOnlyNetwork.leasedAddress(mac: "52:54:aa:bb:cc:dd", leases: leases) == "192.168.213.10")
        #expect(HostOnlyNetwork.leasedAddress(mac: "52:54:00:00:00:01", leases: leases) == nil)
        #expect(HostOnlyNetwork.leasedAddress(mac: "52:54:00:00:00:01", leases: "garbage\n\n") == nil)
    }

    @Test("without a data dir for dnsmasq, hostonly fails with a message naming the flag, and terminally")
    func noNetworkDirectory() async throws {
        let error = QemuVMError.noHostOnlyNetwork("web")
        #expect("\(error)".contains("--vm-hostonly-bridge"))
        #expect(error.actionFailure.isTerminal && error.actionFailure.reason == .noBridge)
        let unusable = HostOnlyNetworkError.unusable("kiln0", "RTNETLINK answers: Operation not permitted")
        #expect("\(unusable)".contains("--vm-hostonly-bridge") && "\(unusable)".contains("CAP_NET_ADMIN"))
        #expect(unusable.actionFailure.isTerminal)
    }
}
