import KilnCatalog
import KilnSpec

extension PlanContext {
    /// Where every VM git wants runs, when the plan is made for a fleet (nil outside one). A suspended VM is left
    /// where it is ("change nothing"), but what it holds on its host is not given to others.
    func placements() -> [String: PlacementDecision]? {
        guard let fleet = policy.fleet else { return nil }
        var hosts = fleet.hosts
        var requests: [PlacementRequest] = []
        for object in desired.objects(of: .virtualMachine) {
            let current = work.vms[object.name]?.host
            guard object.virtualMachine?.suspend == true else {
                requests.append(PlacementRequest(vm: object.name, spec: object.spec, current: current))
                continue
            }
            if let current, let i = hosts.firstIndex(where: { $0.name == current }) {
                let needs = PlacementRequest(vm: object.name, spec: object.spec, current: current)
                hosts[i].cpus -= needs.cpus
                hosts[i].memoryBytes -= needs.memoryBytes
            }
        }
        return VMPlacer.place(requests, on: hosts)
    }

    /// Records `decision` for the VM (a `placeVM` when its host changes) and says whether the VM is planned further
    /// (for its notes: an Image not ready, a failed machine): not when it fits nowhere (it stays Pending with the
    /// figures). The leader plans no machine in a fleet: the host it is placed on does (``Planner/planHost``).
    mutating func place(_ object: SpecObject, _ decision: PlacementDecision, local: String) -> Bool {
        let recorded = work.vms[object.name]?.host
        let host = decision.host
        if host != recorded {
            let reason = Self.placementReason(decision)
            add(.placeVM(name: object.name, host: host, reason: reason))
            work.vms[object.name]?.placeOn(host, reason: reason)
        }
        switch decision {
        case .unschedulable(let reason, let message, let from):
            let was = from.map { "; it ran on \($0)" } ?? ""
            plan.note(
                object.key, Note(reason == .unknownHost ? .unknownHost : .unschedulable, message + was))
            return false
        case .stay, .place, .move:
            if let host, host != local {
                plan.note(object.key, Note(.placedElsewhere, "placed on host \(host); that host runs it"))
            }
            return true
        }
    }

    /// Why a VM is where the decision puts it, in words for its status (nil when it simply stays).
    static func placementReason(_ decision: PlacementDecision) -> String {
        switch decision {
        case .stay(let host): "stays on \(host)"
        case .place(let host): "placed on \(host), the host with the most free memory that fits it"
        case .move(let from, let to, .hostLost):
            "HostLost: \(from) was lost (no heartbeat within its lease); moved to \(to)"
        case .move(let from, let to, .hostCordoned): "HostCordoned: \(from) was drained or cordoned; moved to \(to)"
        case .move(let from, let to, .placementChanged):
            "PlacementChanged: its placement no longer allows \(from); moved to \(to)"
        case .unschedulable(let reason, let message, _): "\(reason.rawValue): \(message)"
        }
    }
}
