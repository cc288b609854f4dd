import Foundation
import KilnCatalog
import KilnDrivers
import Logging
import Testing

/// A host getting an image file through a real SQLite catalog's hosts table, without a network: its own files in
/// place, the shared store's in place whoever made them, and the only copy on a Lost host refused naming that host.
@Suite struct ArtifactAccessTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-access-\(UUID().uuidString)").path
    let digest = String(repeating: "5e", count: 32)

    func setUp(bLost: Bool) async throws -> SQLiteCatalog {
        for dir in ["a", "b/builds", "store/sha256"] {
            try FileManager.default.createDirectory(atPath: "\(folder)/\(dir)", withIntermediateDirectories: true)
        }
        let catalog = try SQLiteCatalog(path: "\(folder)/catalog.sqlite")
        for name in ["a", "b"] {
            _ = try await catalog.heartbeat(
                HostRecord(
                    name: name, address: "http://127.0.0.1:9", cpus: 1, memoryBytes: 1 << 30, diskFreeBytes: 1 << 30,
                    kvm: false, labels: [], version: "0", dataDir: "\(folder)/\(name)",
                    leaseSeconds: name == "b" && bLost ? -1 : 3600, startedAt: Date(), heartbeatAt: Date()))
        }
        return catalog
    }

    func access(_ catalog: SQLiteCatalog, store: Bool) -> ArtifactAccess {
        let cache = store ? ArtifactCache(store: "\(folder)/store", host: "a") : ArtifactCache(dataDir: "\(folder)/a")
        return ArtifactAccess(
            catalog: catalog, localHost: "a", localDataDir: "\(folder)/a",
            artifactStore: store ? "\(folder)/store" : nil,
            fetcher: ArtifactFetcher(cache: cache, token: nil, logger: Logger(label: "test")))
    }

    func image(_ path: String) -> ImageRecord {
        var image = ImageRecord(
            name: "web", spec: .object([:]), specHash: "h", contentHash: "c", revision: "r", file: "images/web.yaml",
            line: 1, createdAt: Date(), updatedAt: Date())
        image.path = path
        image.sha256 = digest
        return image
    }

    @Test func ownFilesAndTheSharedStoreAreReadInPlace() async throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let catalog = try await setUp(bLost: true)
        let own = "\(folder)/a/images/web-1.qcow2"
        try FileManager.default.createDirectory(atPath: "\(folder)/a/images", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: own, contents: Data([1]))
        #expect(try await access(catalog, store: false).file(for: image(own)) == own)
        // b made it and is Lost, but the store holds a checked copy: every host reads it there.
        let stored = "\(folder)/store/sha256/\(digest)"
        FileManager.default.createFile(atPath: stored, contents: Data([2]))
        #expect(try await access(catalog, store: true).file(for: image("\(folder)/b/builds/web-1.qcow2")) == stored)
    }

    @Test func theOnlyCopyOnALostHostIsUnavailable() async throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let catalog = try await setUp(bLost: true)
        // b's file, not visible here (on another machine), and b cannot be asked.
        let path = "\(folder)/b/builds/web-1.qcow2"
        do {
            _ = try await access(catalog, store: false).file(for: image(path))
            Issue.record("the only copy on a Lost host must be unavailable")
        } catch let error as ArtifactUnavailableError {
            #expect(error.reason.contains("the only copy of image web is on host b, which is Lost"))
        }
    }

    /// What the leader reports as the Image's status: the lost copy only while no other copy can be read here.
    @Test func aLostCopyIsReportedOnlyWhileNothingElseHoldsIt() async throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let catalog = try await setUp(bLost: true)
        let hosts = try await catalog.hosts()
        let path = "\(folder)/b/builds/web-1.qcow2"
        let reason = access(catalog, store: false).lostCopy(of: image(path), hosts: hosts)
        #expect(
            reason?.contains("the only copy of image web is on host b, which is Lost") == true, "\(reason ?? "nil")")
        // The shared store holds a checked copy: not lost.
        FileManager.default.createFile(atPath: "\(folder)/store/sha256/\(digest)", contents: Data([2]))
        #expect(access(catalog, store: true).lostCopy(of: image(path), hosts: hosts) == nil)
        // Visible here after all (b's data dir on a shared machine): not lost.
        FileManager.default.createFile(atPath: path, contents: Data([1]))
        #expect(access(catalog, store: false).lostCopy(of: image(path), hosts: hosts) == nil)
        // b alive again: fetched from it, not lost.
        let alive = try await setUp(bLost: false)
        try FileManager.default.removeItem(atPath: path)
        #expect(access(alive, store: false).lostCopy(of: image(path), hosts: try await alive.hosts()) == nil)
    }
}
