import Foundation
import KilnCatalog
import KilnDrivers
import KilnTestSupport
import Testing

/// The artifact cache keeps what the catalog still names (Images, build outputs, the disks VMs were made from) and
/// drops the rest, never a file younger than the grace, never a file that is not the cache's own.
@Suite struct ArtifactCacheSweepTests {
    static func digest(_ byte: String) -> String { String(repeating: byte, count: 32) }
    let image = Self.digest("a1")
    let output = Self.digest("b2")
    let vmDisk = Self.digest("c3")
    let unwanted = Self.digest("d4")
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    var sweep: ArtifactCacheSweep { ArtifactCacheSweep(cache: ArtifactCache(dataDir: "/unused")) }

    func entry(_ name: String, hoursAgo: Double) -> ArtifactCacheSweep.Entry {
        ArtifactCacheSweep.Entry(name: name, modified: now.addingTimeInterval(-hoursAgo * 3600))
    }

    @Test func completeFilesGoOnceTheCatalogNoLongerNamesThemAndTheGraceIsOver() {
        let wanted: Set = [image, output, vmDisk]
        let entries = [
            entry(image, hoursAgo: 100), entry(output, hoursAgo: 100), entry(vmDisk, hoursAgo: 100),
            entry(unwanted, hoursAgo: 2), entry(Self.digest("e5"), hoursAgo: 0.5)
        ]
        #expect(sweep.leftovers(entries, wanted: wanted, now: now) == [unwanted])
    }

    @Test func partialFilesGoWhenAbandonedOrUnwanted() {
        let wanted: Set = [image, output]
        let entries = [
            entry("\(image).part", hoursAgo: 25),  // abandoned for over a day
            entry("\(output).part", hoursAgo: 3),  // wanted, written to recently enough: a slow fetch
            entry("\(unwanted).b.part", hoursAgo: 2),  // another host's, in a shared store, for nothing wanted
            entry("\(unwanted).part", hoursAgo: 0.2)  // a fetch going on now
        ]
        #expect(sweep.leftovers(entries, wanted: wanted, now: now) == ["\(image).part", "\(unwanted).b.part"])
    }

    @Test(arguments: ["README", "notes.part", "x.\(String(repeating: "a1", count: 32))", "sha256"])
    func anythingButTheCachesOwnFilesStays(_ name: String) {
        #expect(sweep.leftovers([entry(name, hoursAgo: 1000)], wanted: [], now: now).isEmpty)
    }

    /// The real thing: a SQLite catalog names an Image, a build output and a VM's disk; the sweep removes only the
    /// file nothing names.
    @Test func aSweepReadsTheCatalogAndRemovesOnlyTheLeftovers() async throws {
        let folder = try TempFolder(prefix: "kiln-sweep")
        let catalog = try SQLiteCatalog(path: "\(folder.path)/catalog.sqlite")
        let created = Date(timeIntervalSince1970: 1_700_000_000)
        var imageRecord = ImageRecord(
            name: "web", spec: .object([:]), specHash: "h", contentHash: "c", revision: "r", file: "images/web.yaml",
            line: 1, createdAt: created, updatedAt: created)
        imageRecord.sha256 = image
        _ = try await catalog.saveImage(imageRecord)
        _ = try await catalog.saveBuild(
            BuildRecord(
                name: "web", spec: .object([:]), specHash: "s", contentHash: "c", inputsHash: "i", runToken: "1",
                revision: "r", file: "builds/web.yaml", line: 1, createdAt: created, updatedAt: created))
        let execution = try await catalog.newExecution(
            ExecutionRecord(
                buildName: "web", buildNumber: 0, createdBy: "Ada", revision: "r", specRoot: "", spec: .object([:]),
                inputsHash: "i", runToken: "1", logPath: "/l/1.log", reason: "test", createdAt: created))
        try await catalog.finishExecution(
            execution,
            images: [
                VirtualImageRecord(
                    executionId: execution.id!, buildName: "web", buildNumber: execution.buildNumber, name: "web-1",
                    format: "qcow2", path: "/elsewhere/web-1.qcow2", size: 1, sha256: output, createdAt: created)
            ])
        var vm = VMRecord(
            name: "web-1", uuid: "u-1", spec: .object([:]), specHash: "s", contentHash: "c", revision: "r",
            file: "vms/web-1.yaml", line: 1, createdAt: created, updatedAt: created)
        vm.imageSha256 = vmDisk
        _ = try await catalog.saveVM(vm)

        let cache = ArtifactCache(dataDir: "\(folder.path)/data")
        let old = Date().addingTimeInterval(-2 * 86_400)
        for digest in [image, output, vmDisk, unwanted] {
            let path = try folder.write("data/artifact-cache/sha256/\(digest)", "bytes of \(digest)")
            try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: path)
        }
        let fresh = try folder.write("data/artifact-cache/sha256/\(Self.digest("e5"))", "just fetched")

        let removed = try await ArtifactCacheSweep(cache: cache).run(catalog: catalog)
        #expect(removed == ["\(cache.folder)/\(unwanted)"])
        let left = try FileManager.default.contentsOfDirectory(atPath: cache.folder).sorted()
        #expect(left == [image, output, vmDisk, Self.digest("e5")].sorted())
        #expect(FileManager.default.fileExists(atPath: fresh))
        // Nothing else to do the second time.
        #expect(try await ArtifactCacheSweep(cache: cache).run(catalog: catalog).isEmpty)
    }
}
