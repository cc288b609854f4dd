import Foundation
import GRDB
import KilnSpec
import Testing

@testable import KilnCatalog

@Suite("Catalog records: one Codable declaration per column")
struct RecordCodingTests {
    static let date = Date(timeIntervalSince1970: 1_700_000_000.25)

    static func vm() -> VMRecord {
        VMRecord(
            name: "web-1", uuid: "u-1", spec: .object(["cpus": .int(2)]), specHash: "sh", contentHash: "ch",
            vmStatus: .poweredOn, guestReady: true, ipAddress: "10.0.2.15", guestOs: "linux", imageName: "web",
            imagePath: "/a/web.qcow2", imageSha256: "ab", directory: "/d", pid: 42, pidStartTime: UInt64.max - 1,
            qmpSocket: "/d/qmp.sock", errorCode: "internal", errorMessage: "boom", revision: "r1", file: "vms.yaml",
            line: 7, labels: ["team": "web"], createdAt: date, updatedAt: date,
            status: ObjectStatus(
                conditions: [
                    Condition(
                        type: .ready, status: true, reason: "Running", message: "up",
                        lastTransitionTime: date)
                ], observedRevision: "r1", observedSpecHash: "sh"))
    }

    /// Every record the catalog stores, as the catalog coders write it: table name and column names, in order.
    static func sampleColumns() throws -> [(String, [String])] {
        let image = ImageRecord(
            name: "i", spec: .object([:]), specHash: "", contentHash: "", revision: "r", file: "f",
            line: 1, createdAt: Self.date, updatedAt: Self.date)
        let virtualImage = VirtualImageRecord(
            executionId: 1, buildName: "b", buildNumber: 1, name: "b-1", format: "qcow2",
            path: "/p", size: 1, sha256: "s", createdAt: Self.date)
        let tombstone = TombstoneRecord(
            objectKind: "Image", objectName: "i", contentHash: "c", records: "{}", paths: [],
            deletedAt: Self.date, purgeAfter: Self.date)
        let item = InventoryItem(type: .file, owner: "Image/i", location: "/x", createdAt: Self.date)
        func names<R: Encodable>(_ record: R) throws -> [String] {
            try CatalogRecordEncoder.columns(of: record).map(\.0)
        }
        return [
            ("vm", try names(Self.vm())), ("image", try names(image)), ("image_build", try names(Records.build("b"))),
            ("execution", try names(Records.execution("b", 1))), ("virtual_image", try names(virtualImage)),
            ("journal", try names(Records.journal("run"))), ("sync", try names(SyncRecord())),
            ("tombstone", try names(tombstone)),
            ("inventory", try names(item)),
            (
                "vm_callback",
                try names(
                    CallbackDelivery(
                        vmName: "v", vmUuid: "u", generation: 1, url: "http://127.0.0.1/cb", event: .ready,
                        attempt: 1, at: Self.date))
            ),
            (
                "work",
                try names(WorkRecord(kind: .runExecution, object: ObjectKey(.imageBuild, "b"), createdAt: Self.date))
            )
        ]
    }

    @Test("a tombstone written with flat spec fields is rewritten so that a revert restores it")
    func legacyTombstone() throws {
        // The layout before spec fields were grouped: the same record with its spec fields at the top.
        var sample = Self.vm()
        sample.pidStartTime = 123_456
        let current = try #require(SpecValue(json: TombstoneContents(vm: sample).encoded()))
        var vm = try #require(current["vm"]?.object)
        for (key, value) in try #require(vm["specFields"]?.object) { vm[key] = value }
        vm["specFields"] = nil
        var legacy = try #require(current.object)
        legacy["vm"] = .object(vm)
        #expect(TombstoneContents.decode(SpecValue.object(legacy).canonicalJSON) == nil)

        let rewritten = try #require(TombstoneSpecFieldsMigration.rewrite(.object(legacy)))
        #expect(TombstoneSpecFieldsMigration.rewrite(rewritten) == rewritten)
        let restored = try #require(TombstoneContents.decode(rewritten.canonicalJSON))
        #expect(restored.vm == sample)
    }
}
