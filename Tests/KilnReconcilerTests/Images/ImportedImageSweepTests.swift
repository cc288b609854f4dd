import Foundation
import KilnCatalog
import KilnReconciler
import Testing

/// A fleet host removes the imported Image files of its data dir that nothing uses any more, and nothing else.
@Suite struct ImportedImageSweepTests {
    let paths = DataPaths(root: "/var/lib/kiln-a")
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    var sweep: ImportedImageSweep { ImportedImageSweep(paths: paths) }

    func file(_ version: Int, of image: String = "golden") -> ImportedImageSweep.File {
        .init(path: paths.image(name: image, version: version), image: image, version: version)
    }

    func image(version: Int, path: String?) -> ImageRecord {
        ImageRecord(
            name: "golden", spec: .object([:]), specHash: "s", contentHash: "c", version: version, path: path,
            revision: "r", file: "images/golden.yaml", line: 1, createdAt: now, updatedAt: now)
    }

    func vm(on path: String) -> VMRecord {
        VMRecord(
            name: "hello", uuid: "u", spec: .object([:]), specHash: "s", contentHash: "c", imagePath: path,
            revision: "r", file: "vms.yaml", line: 1, createdAt: now, updatedAt: now)
    }

    @Test func earlierVersionsGoOnceNoVMRunsOnThemAndAnImportUnderWayStays() {
        let elsewhere = "/var/lib/kiln-b/images/golden/3.qcow2"
        let state = CatalogState(images: ["golden": image(version: 3, path: elsewhere)])
        let files = [file(1), file(2), file(3), file(4)]
        let found = sweep.leftovers(files, state: state)
        // 3 was made here under a claim that was lost (host b made it); 4 is an import under way.
        #expect(found.map(\.path) == [file(1).path, file(2).path, file(3).path])
        #expect(found.first?.why == "Image golden is at version 3 in \(elsewhere), and no VM runs on this one")

        var used = state
        used.vms = ["hello": vm(on: file(1).path)]
        #expect(sweep.leftovers(files, state: used).map(\.path) == [file(2).path, file(3).path])

        var mine = state
        mine.images["golden"] = image(version: 3, path: file(3).path)
        #expect(sweep.leftovers(files, state: mine).map(\.path) == [file(1).path, file(2).path])
    }

    @Test func filesOfADeletedImageGoUnlessATombstoneCanBringItBack() {
        let files = [file(1, of: "gone")]
        let found = sweep.leftovers(files, state: CatalogState())
        #expect(found.map(\.why) == ["Image gone is no longer in the catalog"])
        let buried = CatalogState(tombstones: [
            TombstoneRecord(
                objectKind: "Image", objectName: "gone", contentHash: "c", records: "{}", paths: [], deletedAt: now,
                purgeAfter: now.addingTimeInterval(3600))
        ])
        #expect(sweep.leftovers(files, state: buried).isEmpty)
    }

    @Test func onlyFilesKilnNamesAreListed() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-sweep-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let paths = DataPaths(root: root)
        let folder = paths.images(name: "golden")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for name in ["1.qcow2", "2.qcow2", "notes.txt", "0.qcow2", "x.qcow2"] {
            FileManager.default.createFile(atPath: "\(folder)/\(name)", contents: Data())
        }
        let files = ImportedImageSweep(paths: paths).files()
        #expect(files.map(\.version) == [1, 2] && files.allSatisfy { $0.image == "golden" })
    }
}
