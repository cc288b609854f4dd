import Foundation
import KilnTestSupport
import Testing

@testable import KilnDrivers

/// Imports run on the fleet's leader; with `--artifact-store` their files go into the store under their sha256, as build
/// outputs do, so that other hosts do not depend on the leader's copy.
@Suite struct ImageImportStoreTests {
    @Test func aSnapshotIsPutIntoTheStoreUnderItsSha256() async throws {
        let folder = try TempFolder(prefix: "kiln-import-store")
        let base = "\(folder.path)/base.qcow2"
        let overlay = "\(folder.path)/disk.qcow2"
        try await Tool.run("qemu-img", ["create", "-q", "-f", "qcow2", base, "16M"])
        try await Tool.run("qemu-img", ["create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", base, overlay])
        let store = ArtifactCache(store: "\(folder.path)/store", host: "a")
        let driver = QemuImageImportDriver(cacheDirectory: "\(folder.path)/downloads", store: store)
        let imported = try await driver.snapshot(overlay: overlay, to: "\(folder.path)/images/golden/1.qcow2")
        let stored = try #require(store.path(sha256: imported.sha256))
        #expect(FileManager.default.contentsEqual(atPath: stored, andPath: imported.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.folder) == [imported.sha256])
    }
}
