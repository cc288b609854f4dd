import Foundation
import KilnCatalog
import KilnSpec
import Testing

@Suite("SQLite catalog")
struct SQLiteCatalogTests {
    @Test("specs survive the round trip exactly: booleans stay booleans, integers integers, text text")
    func specRoundTrip() async throws {
        let t = try TempCatalog()
        defer { t.remove() }
        let spec: SpecValue = .object([
            "flag": .bool(true), "off": .bool(false), "count": .int(3), "ratio": .double(2.5), "whole": .double(2),
            "text": .string("yes"), "unicode": .string("ünïcødé → ✓"), "none": .null,
            "list": .list([.int(1), .string("1"), .bool(true)]), "nested": .object(["a": .object(["b": .list([])])]),
        ])
        _ = try await t.catalog.saveBuild(Records.build("b", spec: spec))
        let read = try await t.reopen().state().builds["b"]?.spec
        #expect(read?["flag"] == .bool(true))
        #expect(read?["off"] == .bool(false))
        #expect(read?["count"] == .int(3))
        #expect(read?["ratio"] == .double(2.5))
        #expect(read?["text"] == .string("yes"))
        #expect(read?["unicode"] == .string("ünïcødé → ✓"))
        #expect(read?["none"] == .null)
        #expect(read?["list"] == .list([.int(1), .string("1"), .bool(true)]))
        #expect(read?["nested"] == .object(["a": .object(["b": .list([])])]))
        #expect(read?.canonicalJSON == spec.canonicalJSON)
    }

    @Test("build numbers are the build's next ones, never reused, and a wrong one is refused")
    func buildNumbers() async throws {
        let t = try TempCatalog()
        defer { t.remove() }
        _ = try await t.catalog.saveBuild(Records.build("b"))
        let (_, first) = try await t.catalog.beginActions([Records.journal("run")], executions: [Records.execution("b", 1)], inventory: [])
        #expect(first.map(\.buildNumber) == [1])
        try await t.catalog.deleteExecution(id: first[0].id!)
        await #expect(throws: CatalogError.self) {
            _ = try await t.catalog.beginActions([], executions: [Records.execution("b", 1)], inventory: [])
        }
        let (_, second) = try await t.catalog.beginActions([], executions: [Records.execution("b", 2)], inventory: [])
        #expect(second.map(\.buildNumber) == [2])
        #expect(try await t.catalog.state().builds["b"]?.nextBuildNumber == 3)
    }

    @Test("a failed batch leaves nothing: the journal and the executions go in together or not at all")
    func atomicBegin() async throws {
        let t = try TempCatalog()
        defer { t.remove() }
        _ = try await t.catalog.saveBuild(Records.build("b"))
        await #expect(throws: (any Error).self) {
            _ = try await t.catalog.beginActions([Records.journal("run")], executions: [Records.execution("missing", 1)], inventory: [])
        }
        #expect(try await t.catalog.openActions().isEmpty)
        #expect(try await t.catalog.state().executions.isEmpty)
    }

    @Test("journal entries stay open until ended; open ones are what a crash interrupted")
    func journal() async throws {
        let t = try TempCatalog()
        defer { t.remove() }
        let (entries, _) = try await t.catalog.beginActions([Records.journal("run"), Records.journal("prune")], executions: [], inventory: [])
        #expect(try await t.reopen().openActions().map(\.action) == ["run", "prune"])
        try await t.catalog.endActions([JournalEnd(id: entries[0].id!, state: .done)], workers: [])
        #expect(try await t.catalog.openActions().map(\.action) == ["prune"])
    }

    @Test("inventory moves follow a folder and nothing beside it")
    func inventory() async throws {
        let t = try TempCatalog()
        defer { t.remove() }
        for location in ["/d/artifacts/b/1", "/d/artifacts/b/1/x.qcow2", "/d/artifacts/b/10", "/d/artifacts/b_1"] {
            try await t.catalog.addInventory(InventoryItem(type: .file, owner: "ImageBuild/b", location: location, createdAt: Records.date))
        }
        try await t.catalog.moveInventory(from: "/d/artifacts/b/1", to: "/d/tombstones/t/1")
        let locations = Set(try await t.catalog.inventory(owner: nil).map(\.location))
        #expect(locations == ["/d/tombstones/t/1", "/d/tombstones/t/1/x.qcow2", "/d/artifacts/b/10", "/d/artifacts/b_1"])
        #expect(try await t.catalog.isInInventory(location: "/d/artifacts/b/10"))
        #expect(!(try await t.catalog.isInInventory(location: "/d/artifacts/b/1")))
    }

    @Test("burying replaces an object's rows by a tombstone; unburying puts them back")
    func buryAndUnbury() async throws {
        let t = try TempCatalog()
        defer { t.remove() }
        _ = try await t.catalog.saveBuild(Records.build("b"))
        let (_, executions) = try await t.catalog.beginActions([], executions: [Records.execution("b", 1)], inventory: [])
        let contents = TombstoneContents(build: try await t.catalog.state().builds["b"], executions: executions)
        let tombstone = try await t.catalog.bury(TombstoneRecord(
            objectKind: "ImageBuild", objectName: "b", contentHash: "c", records: contents.encoded(), paths: [],
            deletedAt: Records.date, purgeAfter: Records.date.addingTimeInterval(3600)), key: ObjectKey(.imageBuild, "b"))
        var state = try await t.catalog.state()
        #expect(state.builds.isEmpty && state.executions.isEmpty && state.tombstones.count == 1)
        try await t.catalog.unbury(tombstone)
        state = try await t.catalog.state()
        #expect(state.builds["b"]?.nextBuildNumber == 2)
        #expect(state.executions["b"]?.map(\.buildNumber) == [1])
        #expect(state.tombstones.isEmpty)
        let (_, next) = try await t.catalog.beginActions([], executions: [Records.execution("b", 2)], inventory: [])
        #expect(next.map(\.buildNumber) == [2])
    }

    @Test("a damaged catalog file is refused with what to do, and left untouched")
    func corrupt() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-corrupt-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = "\(folder)/catalog.sqlite"
        let garbage = Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try garbage.write(to: URL(fileURLWithPath: path))
        do {
            _ = try SQLiteCatalog(path: path)
            Issue.record("a garbage file opened as a catalog")
        } catch {
            #expect("\(error)".contains("is damaged"))
            #expect("\(error)".contains("move it aside"))
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == garbage)
    }
}
