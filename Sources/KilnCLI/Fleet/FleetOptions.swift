import ArgumentParser
import Foundation
import KilnCatalog
import KilnReconciler
import KilnSpec

/// `kiln serve`'s place in a fleet: its name, the lease, and its labels.
struct FleetOptions: ParsableArguments {
    @Option(
        name: .customLong("host-name"),
        help: "This host's name in the fleet (default: the machine's host name); unique per catalog.")
    var hostName: String?

    @Option(
        help:
            "How long a leader or host may go unheard before it counts as gone: another replica takes the lead within it, and a host whose heartbeat (every lease/3) is older is Lost."
    )
    var lease: SpecDuration = SpecDuration(seconds: 15)

    @Option(
        name: .customLong("host-label"), help: "A label of this host, key=value (repeatable), for placing work later.")
    var hostLabels: [String] = []

    var name: String { hostName ?? ProcessInfo.processInfo.hostName }

    func check() throws {
        // The spec's `placement.host` names hosts by the same rule.
        if let problem = HostName.problem(name) { throw ValidationError("--host-name: \(problem)") }
        guard lease.milliseconds >= 1000 else { throw ValidationError("--lease must be at least 1s (got \(lease))") }
        for label in hostLabels {
            let parts = label.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty,
                parts[0].allSatisfy({ $0.isLetter || $0.isNumber || "-_./".contains($0) })
            else {
                throw ValidationError(
                    "--host-label \(label) must be key=value (a key of letters, digits, '-', '_', '.' or '/')")
            }
        }
        let keys = hostLabels.map { $0.split(separator: "=", maxSplits: 1)[0] }
        if let duplicate = keys.first(where: { key in keys.filter { $0 == key }.count > 1 }) {
            throw ValidationError("--host-label \(duplicate) is given twice")
        }
    }

    func facts(paths: DataPaths, flags: ReconcileFlags) -> HostFacts {
        HostFacts(
            name: name, labels: hostLabels.sorted(), dataDir: paths.root, lease: lease.duration, vmAccel: flags.vmAccel)
    }
}
