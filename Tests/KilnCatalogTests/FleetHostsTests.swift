import Foundation
import KilnCatalog
import Testing

/// Whose file a path is, by the data dir that holds it: two live hosts with one data dir path would make that
/// unanswerable, so a host that would be the second is told which host has it. And when a host counts as Lost.
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

    @Test("a host is Lost only after missing a whole lease that the leader watched: a catalog outage is no one's fault")
    func lostOnlyOverTheWatchedTime() {
        // Leases are 15 s. a beat 60 s ago (the catalog was down), b 1 s ago.
        let fleet = FleetHosts(hosts: [host("a", dataDir: "/a", beatAgo: 60), host("b", dataDir: "/b")], now: now)
        #expect(fleet.state(of: fleet.hosts[0]) == .lost, "judged by heartbeats alone")
        // A leader whose session came back 5 s ago gives a the rest of a lease to beat again.
        let reconnected = fleet.watched(for: .seconds(5))
        #expect(reconnected.state(of: fleet.hosts[0]) == .ready)
        #expect(reconnected.state(of: fleet.hosts[1]) == .ready)
        #expect(reconnected.sharingDataDir("/a", with: "c")?.name == "a", "a is not yet free to be taken over")
        // Once the leader has watched for more than a lease without a beat from a, a is Lost.
        #expect(fleet.watched(for: .seconds(16)).state(of: fleet.hosts[0]) == .lost)
        #expect(fleet.watched(for: nil).state(of: fleet.hosts[0]) == .lost)
    }
}
