import KilnSpec

/// VM placement in a fleet (issue 13), a pure function of the VMs and the hosts: a VM stays on its host unless that
/// host is Lost or cordoned, or its spec's `placement` no longer allows it; the others go, biggest first, to the allowed
/// host with the most free memory that fits their CPUs and memory. One that fits nowhere is `Unschedulable`, with the
/// figures, never overcommitted.
public enum VMPlacer {
    public static func place(_ requests: [PlacementRequest], on hosts: [PlacementHost]) -> [String: PlacementDecision] {
        let byName = Dictionary(hosts.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var free = Dictionary(
            hosts.map { ($0.name, (cpus: $0.cpus, memory: $0.memoryBytes)) }, uniquingKeysWith: { first, _ in first })
        var decisions: [String: PlacementDecision] = [:]
        var moving: [(PlacementRequest, PlacementDecision.MoveReason?)] = []

        // Those that stay first: they hold their place whatever newcomers need.
        for request in requests.sorted(by: { $0.vm < $1.vm }) {
            guard let current = request.current else {
                moving.append((request, nil))
                continue
            }
            guard let host = byName[current], !host.lost else {
                moving.append((request, .hostLost))
                continue
            }
            if host.cordoned {
                moving.append((request, .hostCordoned))
            } else if !request.placement.allows(host) {
                moving.append((request, .placementChanged))
            } else {
                decisions[request.vm] = .stay(host: current)
                free[current]!.cpus -= request.cpus
                free[current]!.memory -= request.memoryBytes
            }
        }

        // Then the rest, biggest first (the hardest to fit), by name among equals.
        moving.sort { a, b in
            (a.0.memoryBytes, a.0.cpus, b.0.vm) > (b.0.memoryBytes, b.0.cpus, a.0.vm)
        }
        for (request, reason) in moving {
            let from = reason == nil ? nil : request.current
            if let named = request.placement.host, byName[named] == nil {
                let known = hosts.map(\.name).sorted().joined(separator: ", ")
                decisions[request.vm] = .unschedulable(
                    reason: .unknownHost,
                    message:
                        "placement.host \(named) is not a host of the fleet (hosts: \(known.isEmpty ? "none" : known))",
                    from: from)
                continue
            }
            let allowed = hosts.filter { $0.available && request.placement.allows($0) }.sorted { $0.name < $1.name }
            let fitting = allowed.filter {
                free[$0.name]!.cpus >= request.cpus && free[$0.name]!.memory >= request.memoryBytes
            }
            guard
                let best = fitting.max(by: { a, b in
                    (free[a.name]!.memory, b.name) < (free[b.name]!.memory, a.name)
                })
            else {
                decisions[request.vm] = .unschedulable(
                    reason: .unschedulable,
                    message: unschedulable(request, allowed: allowed, hosts: hosts, free: free), from: from)
                continue
            }
            free[best.name]!.cpus -= request.cpus
            free[best.name]!.memory -= request.memoryBytes
            if let reason, let current = request.current {
                decisions[request.vm] = .move(from: current, to: best.name, reason: reason)
            } else {
                decisions[request.vm] = .place(host: best.name)
            }
        }
        return decisions
    }

    /// Why nothing fits, with the figures: `needs 8 GiB, largest free 6 GiB on b`.
    static func unschedulable(
        _ request: PlacementRequest, allowed: [PlacementHost], hosts: [PlacementHost],
        free: [String: (cpus: Int64, memory: Int64)]
    ) -> String {
        let constraint = request.placement.description
        guard !allowed.isEmpty else {
            if let named = request.placement.host, let host = hosts.first(where: { $0.name == named }) {
                let state =
                    host.lost
                    ? "Lost"
                    : host.cordoned
                        ? "cordoned"
                        : "not matching placement.labels \(request.placement.labelList.joined(separator: ", "))"
                return "placement.host \(named) is \(state)"
            }
            if hosts.allSatisfy({ !$0.available }) { return "no host is available (every host is Lost or cordoned)" }
            return "no available host has \(constraint)"
        }
        let byMemory = allowed.max { (free[$0.name]!.memory, $1.name) < (free[$1.name]!.memory, $0.name) }!
        let largest = free[byMemory.name]!.memory
        if largest < request.memoryBytes {
            return "needs \(gib(request.memoryBytes)) memory, largest free \(gib(max(largest, 0))) on \(byMemory.name)"
        }
        let byCPUs = allowed.max { (free[$0.name]!.cpus, $1.name) < (free[$1.name]!.cpus, $0.name) }!
        let cpus = free[byCPUs.name]!.cpus
        if cpus < request.cpus {
            return "needs \(Self.cpus(request.cpus)), most free \(max(cpus, 0)) on \(byCPUs.name)"
        }
        // Memory fits somewhere and CPUs fit somewhere, but not on the same host.
        return "needs \(Self.cpus(request.cpus)) and \(gib(request.memoryBytes)) memory together; no host has both free"
            + " (largest free memory \(gib(largest)) on \(byMemory.name), most free CPUs \(cpus) on \(byCPUs.name))"
    }

    static func cpus(_ count: Int64) -> String { count == 1 ? "1 CPU" : "\(count) CPUs" }

    /// Bytes as GiB, one decimal when not whole: `8 GiB`, `1.5 GiB`.
    static func gib(_ bytes: Int64) -> String {
        let value = Double(bytes) / Double(1 << 30)
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? "\(Int(rounded)) GiB" : "\(rounded) GiB"
    }
}
