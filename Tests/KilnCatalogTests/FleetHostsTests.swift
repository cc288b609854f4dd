import Foundation
import KilnCatalog
import Testing

/// Whose file a path is, by the data dir that holds it: two live hosts with one data dir path would make that
/// unanswerable, so a host that would be the second is told which host has it.
@Suite struct FleetHostsTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func host(_ name: String, dataDir: String, beatAgo: TimeInterval = 1) -> HostRecord {
        HostRecord(
            name: name, address: "http://\(name):8080", cpus: 2, memoryBytes: 4 << 30, diskFreeBytes: 10 << 30,
            kvm: false, labels: [], version: "0.1.0", dataDir: dataDir, leaseSeconds: 15,
            startedAt: now.addingTimeInterval(-600), heartbeatAt: now.addingTimeInterval(-beatAgo))
    }

    @Test func anotherLiveHostWithTheSameDataDirIsNamed() {
        let hosts = FleetHosts(hosts: [host("a", dataDir: "/var/lib/kiln"), host("b", dataDir: "/srv/kiln")], now: now)
        #expect(hosts.sharingDataDir("/var/lib/kiln/", with: "c")?.name == "a")
        #expect(hosts.sharingDataDir("/var/lib/kiln", with: "a") == nil, "a host's own earlier row is no conflict")
        #expect(hosts.sharingDataDir("/var/lib/kiln-c", with: "c") == nil)
        // Nested data dirs are told apart (the deepest holds the file), so they are no conflict either.
        #expect(hosts.sharingDataDir("/var/lib/kiln/c", with: "c") == nil)
    }

    @Test func aLostHostsDataDirMayBeTakenOver() {
        let hosts = FleetHosts(hosts: [host("a", dataDir: "/var/lib/kiln", beatAgo: 60)], now: now)
        #expect(hosts.sharingDataDir("/var/lib/kiln", with: "c") == nil)
    }
}
