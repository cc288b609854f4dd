import Foundation
import KilnTestSupport

/// Where the hosts of a test fleet run (issue 13): each in a network namespace of its own, the namespaces joined by a
/// bridge in a hub namespace, and this machine on the bridge too (where PostgreSQL and the test itself run); or,
/// where namespaces cannot be made, each on a loopback address of its own (127.0.0.11, 127.0.0.12, …). ``kind``
/// says which ran.
///
/// The bridge's network is a /24 of 198.18.0.0/15 (RFC 2544, set aside for such tests) that no route of this machine
/// uses. Nothing is addressed outside it. ``with(hosts:_:)`` deletes every namespace afterwards (their processes
/// ended by pid first), and this machine's end of the link goes with them.
public struct FleetNetwork: Sendable {
    public enum Kind: String, Sendable {
        case namespaces = "network namespaces joined by a bridge"
        case loopback = "loopback addresses"
    }

    /// One host: its name, the address it listens on, and its namespace (nil on loopback).
    public struct Host: Sendable {
        public let name: String
        public let address: String
        public let namespace: NetworkNamespace?
    }

    public let kind: Kind
    public let hosts: [Host]
    /// This machine's address as the hosts reach it: where a test's PostgreSQL (and any server of the test) listens.
    public let machineAddress: String
    /// The hosts' network (CIDR), whose clients a test server lets in.
    public let clients: String
    let hub: NetworkNamespace?

    public func host(_ name: String) -> Host? { hosts.first { $0.name == name } }

    /// Runs `body` with a fleet network of `names` hosts: namespaces where this machine lets a test make them (root,
    /// `ip`, a free range), loopback addresses otherwise (and why is printed).
    public static func with<T>(hosts names: [String], _ body: (FleetNetwork) async throws -> T) async throws -> T {
        let id = String(UUID().uuidString.prefix(6)).lowercased()
        let machineLink = "kfm\(id)"
        var made: [NetworkNamespace] = []
        let network: FleetNetwork
        if NetworkNamespace.available, let subnet = await freeSubnet() {
            do {
                network = try await make(names, id: id, subnet: subnet, machineLink: machineLink, made: &made)
            } catch {
                await remove(made, machineLink: machineLink)
                print("fleet network: cannot make namespaces here (\(error)); the hosts use loopback addresses")
                return try await body(loopback(names))
            }
        } else {
            print("fleet network: namespaces need root, ip and a free part of 198.18.0.0/15; using loopback addresses")
            return try await body(loopback(names))
        }
        do {
            let result = try await body(network)
            await remove(made, machineLink: machineLink)
            return result
        } catch {
            await remove(made, machineLink: machineLink)
            throw error
        }
    }

    /// Each host on a loopback address of its own, this machine on 127.0.0.1.
    static func loopback(_ names: [String]) -> FleetNetwork {
        FleetNetwork(
            kind: .loopback,
            hosts: names.enumerated().map { i, name in Host(name: name, address: "127.0.0.\(11 + i)", namespace: nil) },
            machineAddress: "127.0.0.1", clients: "127.0.0.0/8", hub: nil)
    }

    /// Makes the hub with its bridge, this machine's link to it and one namespace per host on it; what it made is in
    /// `made` (the hub first), to remove whatever happens.
    static func make(
        _ names: [String], id: String, subnet: String, machineLink: String, made: inout [NetworkNamespace]
    ) async throws -> FleetNetwork {
        let hub = NetworkNamespace(name: "kiln-fleet-\(id)-hub")
        try await ip(["netns", "add", hub.name])
        made.append(hub)
        try await hub.run(["ip", "link", "set", "lo", "up"])
        try await hub.run(["ip", "link", "add", "br0", "type", "bridge"])
        try await hub.run(["ip", "link", "set", "br0", "up"])
        // This machine's end: on the bridge, with the network's last address.
        try await ip(["link", "add", machineLink, "type", "veth", "peer", "name", "kfh\(id)", "netns", hub.name])
        try await hub.run(["ip", "link", "set", "kfh\(id)", "master", "br0", "up"])
        try await ip(["addr", "add", "\(subnet).254/24", "dev", machineLink])
        try await ip(["link", "set", machineLink, "up"])
        var hosts: [Host] = []
        for (i, name) in names.enumerated() {
            let namespace = NetworkNamespace(name: "kiln-fleet-\(id)-\(i)")
            try await ip(["netns", "add", namespace.name])
            made.append(namespace)
            try await namespace.run(["ip", "link", "set", "lo", "up"])
            let port = "kf\(id)\(i)"
            try await hub.run([
                "ip", "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", namespace.name
            ])
            try await hub.run(["ip", "link", "set", port, "master", "br0", "up"])
            let address = "\(subnet).\(11 + i)"
            try await namespace.run(["ip", "addr", "add", "\(address)/24", "dev", "eth0"])
            try await namespace.run(["ip", "link", "set", "eth0", "up"])
            hosts.append(Host(name: name, address: address, namespace: namespace))
        }
        return FleetNetwork(
            kind: .namespaces, hosts: hosts, machineAddress: "\(subnet).254", clients: "\(subnet).0/24", hub: hub)
    }

    /// `198.18.N` for a /24 no route of this machine covers yet, or nil.
    static func freeSubnet() async -> String? {
        let routes =
            (try? await ChildProcess.run("/usr/sbin/ip", ["-4", "route", "show", "table", "all"]))?.stdout ?? ""
        // A route over the whole range: the range is in use here.
        guard !routes.contains("198.18.0.0/15") else { return nil }
        for n in (0..<256).shuffled() {
            let subnet = "198.18.\(n)"
            if !routes.contains(subnet + ".") { return subnet }
        }
        return nil
    }

    static func ip(_ arguments: [String]) async throws {
        let result = try await ChildProcess.run("/usr/sbin/ip", arguments, timeout: .seconds(120))
        guard result.exitCode == 0, !result.signalled else {
            throw CommandFailure(command: "ip " + arguments.joined(separator: " "), result: result)
        }
    }

    /// Deletes the namespaces (hosts first, their processes ended by pid) and this machine's end of the link.
    static func remove(_ namespaces: [NetworkNamespace], machineLink: String) async {
        for namespace in namespaces.reversed() { await namespace.delete() }
        _ = try? await ChildProcess.run("/usr/sbin/ip", ["link", "delete", machineLink])
    }
}
