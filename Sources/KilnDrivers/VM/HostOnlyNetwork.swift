import Foundation
import KilnReconciler

/// The host-only network of `networkType: hostonly`: a Linux bridge (`--vm-hostonly-bridge`, default `kiln0`) with the
/// host's address on it (`--vm-hostonly-address`), no route, no NAT and no forwarding, and one `dnsmasq` serving DHCP on
/// that bridge only. VMs on it reach each other and the host, nothing else: dnsmasq hands out no router and no DNS
/// server, and the kernel forwards nothing that arrives on the bridge.
///
/// Kiln makes the bridge when it is missing (and notes that it did, so `kiln teardown --purge` removes only a bridge
/// it made). dnsmasq runs daemonized with its pid in the data dir; Kiln ends it by that pid (checked against its start
/// time and command line), never by name. The leases file gives each VM's address even without a guest agent.
///
/// An actor, so VMs that start at once set the network up once: a second caller waits for the first's setup.
public actor HostOnlyNetwork {
    public struct Configuration: Sendable, Hashable {
        public var bridge: String
        public var subnet: HostOnlySubnet
        /// Where dnsmasq's pidfile, leases and log live (`<data-dir>/network`).
        public var directory: String

        public init(bridge: String, subnet: HostOnlySubnet, directory: String) {
            self.bridge = bridge
            self.subnet = subnet
            self.directory = directory
        }

        var pidfile: String { "\(directory)/dnsmasq.pid" }
        var leases: String { "\(directory)/dnsmasq.leases" }
        var log: String { "\(directory)/dnsmasq.log" }
        /// Present when Kiln made the bridge (it then may delete it); holds the bridge's name.
        var bridgeMade: String { "\(directory)/bridge-made-by-kiln" }
    }

    public let configuration: Configuration
    private var setup: Task<Void, any Error>?

    public init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    /// Makes sure the bridge is up and dnsmasq serves it. Cheap when both are there (no tool runs).
    public func ensure() async throws {
        if let setup { return try await setup.value }
        if Self.isUp(configuration) { return }
        let configuration = configuration
        let task = Task { try await Self.setUp(configuration) }
        setup = task
        defer { setup = nil }
        try await task.value
    }

    static func isUp(_ configuration: Configuration) -> Bool {
        TapDevice.isBridge(configuration.bridge) && dnsmasq(configuration) != nil
    }

    static func setUp(_ configuration: Configuration) async throws {
        let bridge = configuration.bridge
        do {
            try FileManager.default.createDirectory(atPath: configuration.directory, withIntermediateDirectories: true)
            if !TapDevice.exists(bridge) {
                try await Tool.run("ip", ["link", "add", "name", bridge, "type", "bridge"])
                try bridge.write(toFile: configuration.bridgeMade, atomically: true, encoding: .utf8)
            } else if !TapDevice.isBridge(bridge) {
                throw HostOnlyNetworkError.notABridge(bridge)
            }
            let addresses = try await Tool.run("ip", ["-4", "-o", "addr", "show", "dev", bridge])
            if !addresses.contains(" \(configuration.subnet.description) ") {
                try await Tool.run("ip", ["addr", "add", configuration.subnet.description, "dev", bridge])
            }
            try await Tool.run("ip", ["link", "set", "dev", bridge, "up"])
        } catch let error as HostOnlyNetworkError {
            throw error
        } catch {
            throw HostOnlyNetworkError.unusable(bridge, "\(error)")
        }
        // Nothing that arrives on the bridge is routed elsewhere, whatever the host's global ip_forward says.
        try? "0\n".write(toFile: "/proc/sys/net/ipv4/conf/\(bridge)/forwarding", atomically: false, encoding: .utf8)
        if dnsmasq(configuration) == nil {
            try? FileManager.default.removeItem(atPath: configuration.pidfile)
            do {
                try await Tool.run("dnsmasq", dnsmasqArguments(configuration))
            } catch {
                throw HostOnlyNetworkError.noDHCP(bridge, "\(error)")
            }
            guard dnsmasq(configuration) != nil else {
                throw HostOnlyNetworkError.noDHCP(bridge, "it wrote no pidfile")
            }
        }
    }

    /// dnsmasq's command line: DHCP only (no DNS), on this bridge only, no router and no DNS server handed out,
    /// leases, pidfile and log in Kiln's folder, no configuration file read.
    static func dnsmasqArguments(_ configuration: Configuration) -> [String] {
        let range = configuration.subnet.leaseRange
        return [
            "--conf-file=/dev/null", "--port=0", "--interface=\(configuration.bridge)", "--bind-interfaces",
            "--except-interface=lo",
            "--dhcp-range=\(range.first),\(range.last),\(configuration.subnet.netmask),12h",
            "--dhcp-option=3", "--dhcp-option=6", "--dhcp-authoritative",
            "--dhcp-leasefile=\(configuration.leases)", "--pid-file=\(configuration.pidfile)",
            "--log-facility=\(configuration.log)", "--log-dhcp"
        ]
    }

    /// The dnsmasq of this configuration, if it runs: its pidfile names it and its command line names the pidfile.
    static func dnsmasq(_ configuration: Configuration) -> WorkerProcess? {
        guard let text = try? String(contentsOfFile: configuration.pidfile, encoding: .utf8),
            let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)),
            let process = ProcessIdentity.current(pid), ProcessIdentity.isAlive(process),
            ProcessIdentity.commandLine(pid).contains("--pid-file=\(configuration.pidfile)")
        else { return nil }
        return process
    }

    /// The address dnsmasq leased to `mac`, from its leases file (`expiry mac ip hostname client-id` per line).
    public nonisolated func leasedAddress(mac: String) -> String? {
        guard let text = try? String(contentsOfFile: configuration.leases, encoding: .utf8) else { return nil }
        return Self.leasedAddress(mac: mac, leases: text)
    }

    static func leasedAddress(mac: String, leases: String) -> String? {
        // The last line for a MAC is the newest lease.
        let wanted = mac.lowercased()
        for line in leases.split(separator: "\n").reversed() {
            let fields = line.split(separator: " ")
            if fields.count >= 3, fields[1].lowercased() == wanted { return String(fields[2]) }
        }
        return nil
    }

    /// Ends dnsmasq (by its recorded pid, checked) and, with `removeBridge`, deletes the bridge if Kiln made it.
    /// What was done, for `kiln teardown`'s report.
    public static func tearDown(directory: String, removeBridge: Bool) async throws -> [String] {
        var configuration = Configuration(
            bridge: "", subnet: QemuVMDriver.Options.defaultHostonlySubnet, directory: directory)
        configuration.bridge = (try? String(contentsOfFile: configuration.bridgeMade, encoding: .utf8)) ?? "its bridge"
        var done: [String] = []
        if let process = dnsmasq(configuration) {
            kill(process.pid, SIGTERM)
            if !(await QemuVMDriver.waitForExit(process, within: .seconds(10))) { kill(process.pid, SIGKILL) }
            try? FileManager.default.removeItem(atPath: configuration.pidfile)
            done.append("stopped dnsmasq (pid \(process.pid)) of the host-only network")
        }
        if removeBridge, let made = try? String(contentsOfFile: configuration.bridgeMade, encoding: .utf8),
            made == configuration.bridge, TapDevice.isBridge(made)
        {
            try await Tool.run("ip", ["link", "delete", "dev", made])
            try? FileManager.default.removeItem(atPath: configuration.bridgeMade)
            done.append("deleted bridge \(made)")
        }
        return done
    }
}

enum HostOnlyNetworkError: Error, CustomStringConvertible, ActionFailureConvertible {
    case unusable(String, String)
    case notABridge(String)
    case noDHCP(String, String)

    var description: String {
        switch self {
        case .unusable(let bridge, let why):
            "the host-only bridge \(bridge) cannot be set up (Kiln needs CAP_NET_ADMIN for it; or point --vm-hostonly-bridge at a bridge that exists): \(why)"
        case .notABridge(let name):
            "--vm-hostonly-bridge \(name) names an interface that is not a bridge"
        case .noDHCP(let bridge, let why):
            "dnsmasq did not start on the host-only bridge \(bridge) (--vm-hostonly-bridge; is dnsmasq-base installed?): \(why)"
        }
    }

    var actionFailure: ActionFailure {
        switch self {
        case .unusable, .notABridge: ActionFailure(.noBridge, description)
        case .noDHCP: ActionFailure(.driverError, description)
        }
    }
}
