import Foundation
import KilnCatalog
import KilnDrivers

/// What a host tells the fleet about itself, read from the machine on each heartbeat (free disk changes).
struct HostFacts: Sendable {
    let name: String
    let labels: [String]
    /// `--host-cpus`, or the machine's.
    let cpus: Int64
    let dataDir: String
    let lease: Duration
    let vmAccel: VMAcceleration
    let startedAt = Date()

    /// Whether VMs may use KVM here: `--vm-accel` allows it and `/dev/kvm` opens read-write. (The VM driver's probe
    /// boot, at the first VM start, may still fall back to TCG where KVM opens but hangs; no qemu is started for this.)
    var kvm: Bool {
        vmAccel != .tcg && access("/dev/kvm", R_OK | W_OK) == 0
    }

    func record(address: String) -> HostRecord {
        HostRecord(
            name: name, address: address, cpus: cpus,
            memoryBytes: Int64(clamping: ProcessInfo.processInfo.physicalMemory),
            diskFreeBytes: Self.freeBytes(dataDir),
            kvm: kvm, labels: labels, version: KilnVersion.current, dataDir: dataDir,
            leaseSeconds: Double(lease.components.seconds) + Double(lease.components.attoseconds) / 1e18,
            startedAt: startedAt,
            heartbeatAt: Date())
    }

    /// Bytes free to an unprivileged writer on the file system of `path` (0 when it cannot be read).
    static func freeBytes(_ path: String) -> Int64 {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else { return 0 }
        return Int64(clamping: UInt64(stats.f_bavail) &* UInt64(stats.f_frsize))
    }
}

/// Where this host's API answers, once it listens (the port may have been picked by the kernel).
actor AdvertisedAddress {
    private(set) var value = ""
    func set(_ address: String) { value = address }
}
