import Foundation
import KilnCatalog
import KilnReconciler
import KilnSpec

/// What this server says about the fleet: who leads and since when (from its ``Leadership``), and the hosts as the
/// last heartbeat read them. Answers come from here, never from a catalog read per request.
public actor FleetStatus {
    public nonisolated let leadership: Leadership
    private var fleet: FleetHosts?
    /// The work claimed when the hosts were read: the builds each host runs.
    private var claims: [WorkRecord] = []

    public init(leadership: Leadership) {
        self.leadership = leadership
    }

    /// The hosts, and the work claimed, as a heartbeat just read them.
    public func update(_ hosts: FleetHosts, claims: [WorkRecord] = []) {
        fleet = hosts
        self.claims = claims
    }

    public var hosts: FleetHosts? { fleet }

    /// `leader`, `leaderSince` and `epoch` (null while nobody is known to lead), this server's `host` and its `role`
    /// (`leader`, `follower`, or `disconnected` while it cannot reach the catalog).
    public nonisolated func leaderFields() -> [String: SpecValue] {
        let leader = leadership.leader
        let role =
            switch leadership.role {
            case .leader: leadership.leadingEpoch == nil ? "disconnected" : "leader"
            case .follower: "follower"
            case .disconnected: "disconnected"
            }
        return [
            "host": .string(leadership.host),
            "role": .string(role),
            "leader": leader.map { .string($0.host) } ?? .null,
            "leaderSince": StatusDocument.time(leader?.since),
            "epoch": leader.map { .int(Int($0.epoch)) } ?? .null
        ]
    }

    /// `GET /kiln/v1/hosts`, from the last heartbeat's read and the read model's VMs.
    public func hostsDocument(vms: [VMRecord] = []) -> SpecValue {
        .object([
            "hosts": .list(
                Self.hostDocuments(
                    fleet ?? FleetHosts(hosts: [], now: Date()), leader: leadership.leader, vms: vms, claims: claims))
        ])
    }

    /// Each host with its state (`Ready`, or `Lost` once its heartbeat is older than its lease, by the catalog's
    /// clock), whether it leads, its capacity and labels, the VMs placed on it and the builds it runs (its claims of
    /// build work, `NAME #NUMBER`), and its load: the CPUs and memory those VMs and builds take of its capacity. What
    /// `GET /kiln/v1/hosts` and `kiln get hosts` show.
    public static func hostDocuments(
        _ fleet: FleetHosts, leader: LeaderRecord?, vms: [VMRecord] = [], claims: [WorkRecord] = []
    ) -> [SpecValue] {
        var placed: [String: [String]] = [:]
        var load: [String: (cpus: Int64, memory: Int64)] = [:]
        for vm in vms {
            guard let host = vm.host else { continue }
            placed[host, default: []].append(vm.name)
            let typed = vm.typed
            load[host, default: (0, 0)].cpus += Int64(typed.cpus)
            load[host, default: (0, 0)].memory += Int64(clamping: typed.memory.bytes)
        }
        var building: [String: [String]] = [:]
        for work in claims where work.kind == .runExecution {
            guard let host = work.holder else { continue }
            load[host, default: (0, 0)].cpus += work.cpus
            load[host, default: (0, 0)].memory += work.memoryBytes
            let number = work.detail["buildNumber"]?.int.map { " #\($0)" } ?? ""
            building[host, default: []].append(work.objectName + number)
        }
        return fleet.hosts.map { host in
            let state = host.state(at: fleet.now)
            return .object([
                "vms": .list((placed[host.name] ?? []).sorted().map(SpecValue.string)),
                "builds": .list((building[host.name] ?? []).sorted().map(SpecValue.string)),
                "load": .object([
                    "cpus": .int(Int(load[host.name]?.cpus ?? 0)),
                    "memoryBytes": .int(Int(load[host.name]?.memory ?? 0))
                ]),
                "name": .string(host.name),
                "address": .string(host.address),
                "state": .string(state.rawValue),
                "leader": .bool(leader?.host == host.name && state == .ready),
                "cpus": .int(Int(host.cpus)),
                "memoryBytes": .int(Int(host.memoryBytes)),
                "diskFreeBytes": .int(Int(host.diskFreeBytes)),
                "kvm": .bool(host.kvm),
                "labels": .object(
                    Dictionary(
                        host.labels.map { label in
                            let parts = label.split(separator: "=", maxSplits: 1).map(String.init)
                            return (parts.first ?? "", SpecValue.string(parts.count > 1 ? parts[1] : ""))
                        }, uniquingKeysWith: { $1 })),
                "version": .string(host.version),
                "cordoned": .bool(host.cordoned),
                "cordonedInGit": .bool(host.cordonedInGit),
                "lease": .string(SpecDuration(milliseconds: Int64(host.leaseSeconds * 1000)).description),
                "startedAt": StatusDocument.time(host.startedAt),
                "heartbeatAt": StatusDocument.time(host.heartbeatAt),
                "heartbeatAge": .double((fleet.now.timeIntervalSince(host.heartbeatAt) * 10).rounded() / 10)
            ])
        }
    }
}
