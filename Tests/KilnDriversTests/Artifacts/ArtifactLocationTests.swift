import Foundation
import KilnCatalog
import KilnDrivers
import Testing

/// Where a host reads an Image's file from, decided from the catalog's hosts table and image record.
@Suite struct ArtifactLocationTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let digest = String(repeating: "0f", count: 32)

    static func host(_ name: String, dataDir: String, beatAgo: TimeInterval = 1) -> HostRecord {
        HostRecord(
            name: name, address: "http://10.0.0.\(name == "a" ? 1 : 2):8080", cpus: 2, memoryBytes: 4 << 30,
            diskFreeBytes: 10 << 30, kvm: false, labels: [], version: "0.1.0", dataDir: dataDir, leaseSeconds: 15,
            startedAt: now.addingTimeInterval(-600), heartbeatAt: now.addingTimeInterval(-beatAgo))
    }

    static func question(
        path: String? = "/srv/b/builds/web/1/disk.qcow2", local: String? = "a", store: String? = nil,
        bLostFor: TimeInterval = 1
    ) -> ArtifactLocation.Question {
        ArtifactLocation.Question(
            image: "web", path: path, sha256: path == nil ? nil : digest, localHost: local, artifactStore: store,
            hosts: FleetHosts(
                hosts: [host("a", dataDir: "/srv/a"), host("b", dataDir: "/srv/b", beatAgo: bLostFor)], now: now),
            cache: ArtifactCache(dataDir: "/srv/a"))
    }

    @Test func anotherHostsFileIsFetchedFromItsAPIWhenNotVisibleHere() {
        #expect(
            ArtifactLocation.locate(Self.question(), exists: { _ in false })
                == .fetch(owner: "b", address: "http://10.0.0.2:8080"))
        // Visible on this machine (replicas sharing one, or a mount): read in place, as on a single host.
        #expect(
            ArtifactLocation.locate(Self.question(bLostFor: 60), exists: { $0.hasPrefix("/srv/b") })
                == .inPlace(path: "/srv/b/builds/web/1/disk.qcow2"))
    }

    @Test func aCachedCopyIsUsedWithoutAsking() {
        let cached = "/srv/a/artifact-cache/sha256/\(Self.digest)"
        #expect(ArtifactLocation.locate(Self.question(), exists: { $0 == cached }) == .cached(path: cached))
        // Even when its owner is Lost: this host holds a checked copy.
        #expect(
            ArtifactLocation.locate(Self.question(bLostFor: 60), exists: { $0 == cached }) == .cached(path: cached))
    }

    @Test func ownFilesAndSingleHostFilesAreReadInPlace() {
        let own = "/srv/a/images/web/1.qcow2"
        #expect(ArtifactLocation.locate(Self.question(path: own), exists: { _ in true }) == .inPlace(path: own))
        let single = "/var/lib/kiln/images/web/1.qcow2"
        #expect(
            ArtifactLocation.locate(Self.question(path: single, local: nil), exists: { _ in true })
                == .inPlace(path: single))
    }

    @Test func theSharedStoreIsReadInPlaceByEveryHost() {
        let stored = "/mnt/kiln/builds/web/1/disk.qcow2"
        #expect(
            ArtifactLocation.locate(Self.question(path: stored, store: "/mnt/kiln/"), exists: { _ in true })
                == .inPlace(path: stored))
        guard
            case .unavailable(let reason) = ArtifactLocation.locate(
                Self.question(path: stored, store: "/mnt/kiln"), exists: { _ in false })
        else {
            Issue.record("a file missing from the store is unavailable")
            return
        }
        #expect(reason.contains("missing from the artifact store /mnt/kiln"))
        // A sibling folder whose name starts like the store's is not in it.
        #expect(
            ArtifactLocation.locate(
                Self.question(path: "/mnt/kiln2/x.qcow2", local: nil, store: "/mnt/kiln"), exists: { _ in true })
                == .inPlace(path: "/mnt/kiln2/x.qcow2"))
    }

    @Test func theOnlyCopyOnALostHostIsUnavailableNamingTheHost() {
        guard
            case .ownerLost(let owner, let reason) = ArtifactLocation.locate(
                Self.question(bLostFor: 60), exists: { _ in false })
        else {
            Issue.record("an artifact whose only copy is on a Lost host must be unavailable")
            return
        }
        #expect(owner == "b")
        #expect(
            reason.contains("the only copy of image web is on host b, which is Lost (no heartbeat since 2027-01-15T"))
    }

    @Test func noFileYetOrAGoneOwnFileIsUnavailable() {
        #expect(
            ArtifactLocation.locate(Self.question(path: nil), exists: { _ in true })
                == .unavailable(reason: "image web has no file yet"))
        guard
            case .unavailable(let reason) = ArtifactLocation.locate(
                Self.question(path: "/srv/a/images/web/1.qcow2"), exists: { _ in false })
        else {
            Issue.record("this host's own missing file cannot be fetched from itself")
            return
        }
        #expect(reason.contains("gone from this host (a)"))
    }
}
