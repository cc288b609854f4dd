import ArgumentParser
import Foundation
import KilnCatalog
import KilnDrivers
import KilnReconciler
import KilnSpec
import Logging

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

    @Option(
        name: .customLong("fleet-token-file"),
        help:
            "A file whose first line is the fleet's shared token: hosts present it to fetch each other's artifacts, and this host's image downloads require it."
    )
    var fleetTokenFile: String?

    @Option(
        name: .customLong("artifact-store"),
        help:
            "A folder every host mounts at the same path (NFS or other): artifacts there are read in place, and one fetched from its owner is kept there for every host."
    )
    var artifactStore: String?

    @Option(
        name: .customLong("max-builds"),
        help:
            "In a fleet, how many builds this host runs at once, of the work any host may claim (default: half its CPUs, at least 1)."
    )
    var maxBuilds: Int?

    @Option(
        name: .customLong("host-cpus"),
        help:
            "How many CPUs this host offers the fleet's VMs and builds (default: the machine's). Less holds some back for other work; more overcommits them knowingly."
    )
    var hostCPUs: Int?

    var name: String { hostName ?? ProcessInfo.processInfo.hostName }

    /// `--host-cpus`, or this machine's CPUs: what placement and build claims count against.
    var cpus: Int64 { Int64(hostCPUs ?? ProcessInfo.processInfo.activeProcessorCount) }

    /// `--max-builds`, or half this machine's CPUs (at least one).
    var buildSlots: Int { maxBuilds ?? max(1, ProcessInfo.processInfo.activeProcessorCount / 2) }

    /// The fleet token, read once at start; never logged.
    func fleetToken() throws -> FleetToken? {
        guard let fleetTokenFile else { return nil }
        do { return try FleetToken.read(path: fleetTokenFile) } catch { throw ValidationError(error.description) }
    }

    /// `--artifact-store`, made absolute.
    var store: String? { artifactStore.map { URL(fileURLWithPath: $0).standardizedFileURL.path } }

    /// Where this host keeps the artifacts it fetched: the shared store, or its data dir's cache.
    func artifactCache(paths: DataPaths) -> ArtifactCache {
        store.map { ArtifactCache(store: $0, host: name) } ?? ArtifactCache(dataDir: paths.root)
    }

    /// How this host's VM driver gets image files that other hosts made.
    func artifacts(catalog: any Catalog, paths: DataPaths, token: FleetToken?, logger: Logger) -> ArtifactAccess {
        let cache = artifactCache(paths: paths)
        return ArtifactAccess(
            catalog: catalog, localHost: name, localDataDir: paths.root, artifactStore: store,
            fetcher: ArtifactFetcher(cache: cache, token: token, logger: logger))
    }

    func check() throws {
        // The spec's `placement.host` names hosts by the same rule.
        if let problem = HostName.problem(name) { throw ValidationError("--host-name: \(problem)") }
        guard lease.milliseconds >= 1000 else { throw ValidationError("--lease must be at least 1s (got \(lease))") }
        if let hostCPUs, hostCPUs < 1 { throw ValidationError("--host-cpus must be at least 1 (got \(hostCPUs))") }
        if let maxBuilds, maxBuilds < 1 { throw ValidationError("--max-builds must be at least 1 (got \(maxBuilds))") }
        for label in hostLabels {
            let parts = label.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty,
                parts[0].allSatisfy({ $0.isLetter || $0.isNumber || "-_./".contains($0) })
            else {
                throw ValidationError(
                    "--host-label \(label) must be key=value (a key of letters, digits, '-', '_', '.' or '/')")
            }
            if parts[0] == Placement.hostKey {
                throw ValidationError(
                    "--host-label \(label): \(Placement.hostKey) is Kiln's own (every host has \(Placement.hostKey)=its --host-name); choose another key"
                )
            }
        }
        if let artifactStore {
            var folder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: artifactStore, isDirectory: &folder), folder.boolValue else {
                throw ValidationError(
                    "--artifact-store \(artifactStore) is not a folder (mount the shared store first)")
            }
        }
        let keys = hostLabels.map { $0.split(separator: "=", maxSplits: 1)[0] }
        if let duplicate = keys.first(where: { key in keys.filter { $0 == key }.count > 1 }) {
            throw ValidationError("--host-label \(duplicate) is given twice")
        }
    }

    func facts(paths: DataPaths, flags: ReconcileFlags) -> HostFacts {
        HostFacts(
            name: name, labels: hostLabels.sorted(), cpus: cpus, dataDir: paths.root, lease: lease.duration,
            vmAccel: flags.vmAccel)
    }
}
