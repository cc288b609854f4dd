import Foundation
import GRDB
@testable import KilnCatalog
import KilnSpec
import Testing

@Suite("Catalog records: one Codable declaration per column")
struct RecordCodingTests {
    static let date = Date(timeIntervalSince1970: 1_700_000_000.25)

    static func vm() -> VMRecord {
        VMRecord(name: "web-1", uuid: "u-1", spec: .object(["cpus": .int(2)]), specHash: "sh", contentHash: "ch",
                 vmStatus: .poweredOn, guestReady: true, ipAddress: "10.0.2.15", guestOs: "linux", imageName: "web",
                 imagePath: "/a/web.qcow2", imageSha256: "ab", directory: "/d", pid: 42, pidStartTime: UInt64.max - 1,
                 qmpSocket: "/d/qmp.sock", errorCode: "internal", errorMessage: "boom", revision: "r1", file: "vms.yaml",
                 line: 7, labels: ["team": "web"], createdAt: date, updatedAt: date,
                 status: ObjectStatus(conditions: [Condition(type: .ready, status: true, reason: "Running", message: "up",
                                                             lastTransitionTime: date)], observedRevision: "r1", observedSpecHash: "sh"))
    }

    @Test("every record's coding keys are exactly its table's columns (a new field needs its migration, and only that)")
    func keysMatchColumns() async throws {
        let t = try TempCatalog()
        defer { t.remove() }
        let image = ImageRecord(name: "i", spec: .object([:]), specHash: "", contentHash: "", revision: "r", file: "f",
                                line: 1, createdAt: Self.date, updatedAt: Self.date)
        let build = Records.build("b")
        let execution = Records.execution("b", 1)
        let virtualImage = VirtualImageRecord(executionId: 1, buildName: "b", buildNumber: 1, name: "b-1", format: "qcow2",
                                              path: "/p", size: 1, sha256: "s", createdAt: Self.date)
        let journal = Records.journal("run")
        let samples: [(String, [(String, CatalogColumnValue)])] = [
            ("vm", try CatalogRecordEncoder.columns(of: Self.vm())), ("image", try CatalogRecordEncoder.columns(of: image)),
            ("image_build", try CatalogRecordEncoder.columns(of: build)),
            ("execution", try CatalogRecordEncoder.columns(of: execution)),
            ("virtual_image", try CatalogRecordEncoder.columns(of: virtualImage)),
            ("journal", try CatalogRecordEncoder.columns(of: journal)),
        ]
        let pool = try DatabaseQueue(path: "\(t.folder)/catalog.sqlite")
        for (table, columns) in samples {
            let names = try await pool.read { db in try db.columns(in: table).map(\.name) }
            #expect(Set(columns.map(\.0)) == Set(names), "\(table)")
            #expect(columns.count == names.count, "\(table): a column written twice")
        }
    }

    @Test("a record survives the catalog exactly, and clearing a field clears its column")
    func roundTrip() async throws {
        let t = try TempCatalog()
        defer { t.remove() }
        let saved = try await t.catalog.saveVM(Self.vm())
        var read = try #require(try await t.reopen().vm("web-1"))
        #expect(read == saved)
        #expect(read.pidStartTime == UInt64.max - 1)
        #expect(read.labels == ["team": "web"])
        read.errorCode = nil
        read.errorMessage = nil
        read.pid = nil
        _ = try await t.catalog.saveVM(read)
        let cleared = try #require(try await t.reopen().vm("web-1"))
        #expect(cleared.errorCode == nil && cleared.errorMessage == nil && cleared.pid == nil)
    }

    @Test("an unknown enum value in a row is an error naming the column, not a silent default")
    func unknownEnum() async throws {
        let t = try TempCatalog()
        defer { t.remove() }
        _ = try await t.catalog.saveVM(Self.vm())
        let pool = try DatabaseQueue(path: "\(t.folder)/catalog.sqlite")
        try await pool.write { db in try db.execute(sql: "UPDATE vm SET vmStatus = 'exploded'") }
        await #expect {
            _ = try await t.reopen().state()
        } throws: { error in
            "\(error)".contains("vmStatus") && "\(error)".contains("exploded")
        }
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
