import Foundation
import GRDB
import KilnCatalog
import KilnSpec
import Testing

/// The ``Catalog`` contract: every test runs against SQLite and PostgreSQL alike, so the two cannot drift apart.
extension CatalogBackends {
    @Suite("Catalog contract (SQLite and PostgreSQL)")
    struct CatalogContractTests {
        @Test(
            "specs survive the round trip exactly: booleans stay booleans, integers integers, text text",
            arguments: Backend.allCases)
        func specRoundTrip(_ backend: Backend) async throws {
            try await TestCatalog.with(backend) { t in
                let spec: SpecValue = .object([
                    "flag": .bool(true), "off": .bool(false), "count": .int(3), "ratio": .double(2.5),
                    "whole": .double(2),
                    "text": .string("yes"), "unicode": .string("ünïcødé → ✓"), "none": .null,
                    "list": .list([.int(1), .string("1"), .bool(true)]),
                    "nested": .object(["a": .object(["b": .list([])])])
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
        }

        @Test(
            "build numbers are the build's next ones, never reused, and a wrong one is refused",
            arguments: Backend.allCases)
        func buildNumbers(_ backend: Backend) async throws {
            try await TestCatalog.with(backend) { t in
                _ = try await t.catalog.saveBuild(Records.build("b"))
                let (_, first) = try await t.catalog.beginActions(
                    [Records.journal("run")], executions: [Records.execution("b", 1)], inventory: [])
                #expect(first.map(\.buildNumber) == [1])
                try await t.catalog.deleteExecution(id: first[0].id!)
                await #expect(throws: CatalogError.self) {
                    _ = try await t.catalog.beginActions([], executions: [Records.execution("b", 1)], inventory: [])
                }
                let (_, second) = try await t.catalog.beginActions(
                    [], executions: [Records.execution("b", 2)], inventory: [])
                #expect(second.map(\.buildNumber) == [2])
                #expect(try await t.catalog.state().builds["b"]?.nextBuildNumber == 3)
            }
        }

        @Test(
            "build numbers stay unique and gapless when two catalog clients (two hosts) add executions at once",
            arguments: Backend.allCases)
        func concurrentBuildNumbers(_ backend: Backend) async throws {
            try await TestCatalog.with(backend) { t in
                _ = try await t.catalog.saveBuild(Records.build("b"))
                let other = try await t.reopen()
                let clients: [any Catalog] = [t.catalog, other]
                let numbers = try await withThrowingTaskGroup(of: Int.self) { group in
                    for i in 0..<24 {
                        let client = clients[i % 2]
                        group.addTask { try await client.newExecution(Records.execution("b", 0)).buildNumber }
                    }
                    return try await group.reduce(into: [Int]()) { $0.append($1) }
                }
                #expect(numbers.sorted() == Array(1...24))
                let state = try await t.catalog.state()
                #expect(state.executions["b"]?.map(\.buildNumber) == Array(1...24))
                #expect(state.builds["b"]?.nextBuildNumber == 25)
                await (other as? PostgresCatalog)?.close()
            }
        }

        @Test(
            "a failed batch leaves nothing: the journal and the executions go in together or not at all",
            arguments: Backend.allCases)
        func atomicBegin(_ backend: Backend) async throws {
            try await TestCatalog.with(backend) { t in
                _ = try await t.catalog.saveBuild(Records.build("b"))
                await #expect(throws: (any Error).self) {
                    _ = try await t.catalog.beginActions(
                        [Records.journal("run")], executions: [Records.execution("missing", 1)], inventory: [])
                }
                #expect(try await t.catalog.openActions().isEmpty)
                #expect(try await t.catalog.state().executions.isEmpty)
            }
        }

        @Test(
            "finishing an execution records its outcome and its images together, or neither",
            arguments: Backend.allCases)
        func atomicFinish(_ backend: Backend) async throws {
            try await TestCatalog.with(backend) { t in
                _ = try await t.catalog.saveBuild(Records.build("b"))
                let running = try await t.catalog.newExecution(Records.execution("b", 0))
                var done = running
                done.status = .success
                done.statusPercent = 100
                // Two images in the same format break the (execution, format) key: the whole finish must fail.
                await #expect(throws: (any Error).self) {
                    try await t.catalog.finishExecution(
                        done, images: [Records.virtualImage(running), Records.virtualImage(running)])
                }
                #expect(try await t.catalog.execution(id: running.id!)?.status == .pending)
                #expect(try await t.catalog.virtualImages(of: running.id!).isEmpty)

                try await t.catalog.finishExecution(
                    done, images: [Records.virtualImage(running), Records.virtualImage(running, format: "raw")])
                #expect(try await t.catalog.execution(id: running.id!)?.status == .success)
                let images = try await t.reopen().virtualImages(of: running.id!)
                #expect(images.map(\.format).sorted() == ["qcow2", "raw"])
                #expect(images.allSatisfy { $0.boot == .uefi && $0.id != nil })
            }
        }

        @Test(
            "journal entries stay open until ended; open ones are what a crash interrupted", arguments: Backend.allCases
        )
        func journal(_ backend: Backend) async throws {
            try await TestCatalog.with(backend) { t in
                _ = try await t.catalog.saveBuild(Records.build("b"))
                let (entries, executions) = try await t.catalog.beginActions(
                    [Records.journal("run"), Records.journal("prune")],
                    executions: [Records.execution("b", 1)], inventory: [])
                #expect(try await t.reopen().openActions().map(\.action) == ["run", "prune"])
                try await t.catalog.endActions(
                    [JournalEnd(id: entries[0].id!, state: .done)],
                    workers: [ExecutionWorker(executionId: executions[0].id!, pid: 4242, startTime: UInt64.max - 7)])
                #expect(try await t.catalog.openActions().map(\.action) == ["prune"])
                let worker = try await t.reopen().execution(id: executions[0].id!)
                #expect(worker?.pid == 4242)
                #expect(worker?.pidStartTime == UInt64.max - 7)
            }
        }

        @Test("inventory moves follow a folder and nothing beside it", arguments: Backend.allCases)
        func inventory(_ backend: Backend) async throws {
            try await TestCatalog.with(backend) { t in
                for location in [
                    "/d/artifacts/b/1", "/d/artifacts/b/1/x.qcow2", "/d/artifacts/b/10", "/d/artifacts/b_1",
                    "/d/artifacts/b%1"
                ] {
                    try await t.catalog.addInventory(
                        InventoryItem(type: .file, owner: "ImageBuild/b", location: location, createdAt: Records.date))
                }
                try await t.catalog.addInventory(
                    InventoryItem(
                        type: .file, owner: "ImageBuild/c", location: "/d/artifacts/b/10", createdAt: Records.date))
                try await t.catalog.moveInventory(from: "/d/artifacts/b/1", to: "/d/tombstones/t/1")
                let locations = Set(try await t.catalog.inventory(owner: nil).map(\.location))
                #expect(
                    locations == [
                        "/d/tombstones/t/1", "/d/tombstones/t/1/x.qcow2", "/d/artifacts/b/10", "/d/artifacts/b_1",
                        "/d/artifacts/b%1"
                    ])
                #expect(try await t.catalog.isInInventory(location: "/d/artifacts/b/10"))
                #expect(!(try await t.catalog.isInInventory(location: "/d/artifacts/b/1")))
                #expect(try await t.catalog.inventory(owner: "ImageBuild/c").isEmpty)
                try await t.catalog.removeInventory(location: "/d/artifacts/b_1")
                #expect(try await t.catalog.inventory(owner: "ImageBuild/b").count == 4)
            }
        }

        @Test("burying replaces an object's rows by a tombstone; unburying puts them back", arguments: Backend.allCases)
        func buryAndUnbury(_ backend: Backend) async throws {
            try await TestCatalog.with(backend) { t in
                _ = try await t.catalog.saveBuild(Records.build("b"))
                let (_, executions) = try await t.catalog.beginActions(
                    [], executions: [Records.execution("b", 1)], inventory: [])
                try await t.catalog.finishExecution(executions[0], images: [Records.virtualImage(executions[0])])
                let contents = TombstoneContents(
                    build: try await t.catalog.state().builds["b"], executions: executions,
                    virtualImages: try await t.catalog.virtualImages(of: executions[0].id!))
                let tombstone = try await t.catalog.bury(
                    TombstoneRecord(
                        objectKind: "ImageBuild", objectName: "b", contentHash: "c", records: contents.encoded(),
                        paths: [.init(original: "/d/artifacts/b/1", tombstone: "/d/tombstones/1")],
                        deletedAt: Records.date, purgeAfter: Records.date.addingTimeInterval(3600)),
                    key: ObjectKey(.imageBuild, "b"))
                var state = try await t.catalog.state()
                #expect(
                    state.builds.isEmpty && state.executions.isEmpty && state.virtualImages.isEmpty
                        && state.tombstones.count == 1)
                #expect(
                    state.tombstones.first?.paths == [.init(original: "/d/artifacts/b/1", tombstone: "/d/tombstones/1")]
                )
                try await t.catalog.unbury(tombstone)
                state = try await t.catalog.state()
                #expect(state.builds["b"]?.nextBuildNumber == 2)
                #expect(state.executions["b"]?.map(\.buildNumber) == [1])
                #expect(state.virtualImages[executions[0].id!]?.count == 1)
                #expect(state.tombstones.isEmpty)
                let (_, next) = try await t.catalog.beginActions(
                    [], executions: [Records.execution("b", 2)], inventory: [])
                #expect(next.map(\.buildNumber) == [2])
            }
        }

        @Test(
            "a record survives the catalog exactly, and clearing a field clears its column", arguments: Backend.allCases
        )
        func recordRoundTrip(_ backend: Backend) async throws {
            try await TestCatalog.with(backend) { t in
                let saved = try await t.catalog.saveVM(RecordCodingTests.vm())
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
                #expect(cleared.id == saved.id)
            }
        }

        @Test("the sync record keeps a refusal whole: reason, errors, deletions, dates", arguments: Backend.allCases)
        func syncRoundTrip(_ backend: Backend) async throws {
            try await TestCatalog.with(backend) { t in
                #expect(try await t.catalog.sync() == SyncRecord())
                var sync = SyncRecord()
                sync.source = "/repo"
                sync.branch = "main"
                sync.lastSeenCommit = "abc"
                sync.lastSeenAt = Records.date
                sync.refusedReason = .destructive
                sync.refusedErrors = [SpecError(file: "a.yaml", line: 3, column: 7, path: "spec.cpus", message: "bad")]
                sync.refusedDeletions = ["VirtualMachine/web", "Image/base"]
                try await t.catalog.saveSync(sync)
                #expect(try await t.reopen().sync() == sync)
                sync.refusedReason = nil
                sync.refusedErrors = []
                try await t.catalog.saveSync(sync)
                #expect(try await t.reopen().state().sync == sync)
            }
        }

        @Test(
            "thousands of records and statuses saved at once: new rows numbered, existing ones updated in place with their ids",
            arguments: Backend.allCases)
        func batchedWrites(_ backend: Backend) async throws {
            try await TestCatalog.with(backend) { t in
                // More than one batch of PostgreSQL's statements (1,000 rows), and one name saved before by itself.
                let count = 2_345
                let kept = try #require(try await t.catalog.saveBuild(Records.build("b-0")).id)
                let builds = (0..<count).map { Records.build("b-\($0)", spec: .object(["n": .int($0)])) }
                let images = (0..<count).map { i in
                    ImageRecord(
                        name: "i-\(i)", spec: .object(["build": .string("b-\(i)")]), specHash: "s", contentHash: "c",
                        state: .queued, revision: "r", file: "i.yaml", line: 1, createdAt: Records.date,
                        updatedAt: Records.date)
                }
                try await t.catalog.saveRecords(builds: builds, images: images, vms: [])
                let first = try await t.reopen().state()
                #expect(first.builds.count == count && first.images.count == count)
                #expect(first.builds["b-0"]?.id == kept, "a row saved before keeps its id")
                #expect(first.builds["b-2344"]?.spec["n"] == .int(2_344))
                #expect(Set(first.builds.values.compactMap(\.id)).count == count)

                // Saved again with their ids: changed in place, no new rows.
                let again = first.builds.values.map { build in
                    var build = build
                    build.inputsHash = "second"
                    return build
                }
                try await t.catalog.saveRecords(builds: again, images: [], vms: [])
                let second = try await t.catalog.state()
                #expect(second.builds.count == count)
                #expect(second.builds.values.allSatisfy { $0.inputsHash == "second" })
                #expect(second.builds.mapValues(\.id) == first.builds.mapValues(\.id))

                // Statuses of both kinds at once; an image's state only where the update has one.
                let ready = ObjectStatus(
                    conditions: [
                        Condition(
                            type: .ready, status: true, reason: "Succeeded", message: "done",
                            lastTransitionTime: Records.date)
                    ], observedRevision: "r")
                let updates =
                    (0..<count).map { StatusUpdate(key: ObjectKey(.imageBuild, "b-\($0)"), status: ready) }
                    + (0..<count).map {
                        StatusUpdate(
                            key: ObjectKey(.image, "i-\($0)"), status: ready, imageState: $0 % 2 == 0 ? .active : nil)
                    }
                try await t.catalog.saveStatuses(updates)
                let third = try await t.reopen().state()
                #expect(third.builds.values.allSatisfy { $0.status == ready })
                #expect(third.images.values.allSatisfy { $0.status == ready })
                #expect(third.images["i-0"]?.state == .active && third.images["i-1"]?.state == .queued)
                #expect(third.images.values.filter { $0.state == .active }.count == (count + 1) / 2)
            }
        }

        @Test(
            "one beginActions journals, numbers and inventories many actions at once, each id with its own row",
            arguments: Backend.allCases)
        func batchedActions(_ backend: Backend) async throws {
            try await TestCatalog.with(backend) { t in
                let builds = (0..<3).map { "b-\($0)" }
                for name in builds { _ = try await t.catalog.saveBuild(Records.build(name)) }
                _ = try await t.catalog.newExecution(Records.execution("b-1", 0))
                // Two executions each (b-1 had one already), interleaved, and an inventory item listed twice.
                let executions = [
                    Records.execution("b-0", 1), Records.execution("b-1", 2), Records.execution("b-2", 1),
                    Records.execution("b-0", 2), Records.execution("b-1", 3), Records.execution("b-2", 2)
                ]
                let entries = (0..<1_500).map { Records.journal("action-\($0)") }
                let items = (0..<1_200).map {
                    InventoryItem(type: .file, owner: "ImageBuild/b-0", location: "/x/\($0)", createdAt: Records.date)
                }
                let (journaled, created) = try await t.catalog.beginActions(
                    entries, executions: executions, inventory: items + [items[7]])
                #expect(journaled.map(\.action) == entries.map(\.action))
                #expect(Set(journaled.compactMap(\.id)).count == entries.count)
                #expect(created.map(\.buildNumber) == [1, 2, 1, 2, 3, 2])
                let state = try await t.reopen().state()
                for execution in created {
                    let stored = state.executions[execution.buildName]?.first { $0.id == execution.id }
                    #expect(stored?.buildNumber == execution.buildNumber, "\(execution.buildName)")
                }
                #expect(builds.map { state.builds[$0]?.nextBuildNumber } == [3, 4, 3])
                #expect(try await t.catalog.isInInventory(location: "/x/1199"))
                // Each journal id is its own entry's: ending them one by one by id closes exactly those.
                try await t.catalog.endActions(
                    journaled.prefix(2).map { JournalEnd(id: $0.id!, state: .failed, error: "\($0.action) failed") },
                    workers: [ExecutionWorker(executionId: created[0].id!, pid: 4242, startTime: 77)])
                let open = try await t.catalog.openActions()
                #expect(open.count == entries.count - 2)
                #expect(!open.contains { $0.action == "action-0" || $0.action == "action-1" })
                let worker = try await t.catalog.execution(id: created[0].id!)
                #expect(worker?.pid == 4242 && worker?.pidStartTime == 77)
                // A number that is not the build's next is refused, and nothing of the call stays.
                await #expect(throws: CatalogError.self) {
                    _ = try await t.catalog.beginActions(
                        [Records.journal("late")], executions: [Records.execution("b-2", 9)], inventory: [])
                }
                #expect(try await t.catalog.openActions().count == entries.count - 2)
            }
        }

        @Test(
            "an unknown enum value in a row is an error naming the column, not a silent default",
            arguments: Backend.allCases)
        func unknownEnum(_ backend: Backend) async throws {
            try await TestCatalog.with(backend) { t in
                _ = try await t.catalog.saveVM(RecordCodingTests.vm())
                try await t.sql(#"UPDATE vm SET "vmStatus" = 'exploded'"#)
                await #expect {
                    _ = try await t.reopen().state()
                } throws: { error in
                    "\(error)".contains("vmStatus") && "\(error)".contains("exploded")
                }
            }
        }

        @Test(
            "each table's change counter moves when its rows change, and only then; state(of:) reads only what it is asked",
            arguments: Backend.allCases)
        func changeCounters(_ backend: Backend) async throws {
            try await TestCatalog.with(backend) { t in
                let before = try await t.catalog.changes()
                #expect(Set(before.versions.keys) == Set(CatalogTable.allCases))
                _ = try await t.catalog.saveBuild(Records.build("b"))
                let afterBuild = try await t.catalog.changes()
                #expect(afterBuild.changed(since: before) == [.builds])
                _ = try await t.catalog.newExecution(Records.execution("b", 0))
                let afterExecution = try await t.reopen().changes()
                #expect(afterExecution.changed(since: afterBuild) == [.builds, .executions])
                try await t.catalog.addInventory(
                    InventoryItem(type: .file, owner: "ImageBuild/b", location: "/x", createdAt: Records.date))
                #expect(try await t.catalog.changes() == afterExecution)

                let partial = try await t.catalog.state(of: [.executions])
                #expect(partial.builds.isEmpty)
                #expect(partial.executions["b"]?.count == 1)
            }
        }

        @Test(
            "a callback attempt is recorded, then completed in place; it is read with its VM and moves the vm counter",
            arguments: Backend.allCases)
        func callbacks(_ backend: Backend) async throws {
            try await TestCatalog.with(backend) { t in
                _ = try await t.catalog.saveVM(RecordCodingTests.vm())
                let before = try await t.catalog.changes()
                var attempt = try await t.catalog.recordCallback(
                    CallbackDelivery(
                        vmName: "web-1", vmUuid: "u-1", generation: 2, url: "http://127.0.0.1:9/cb", event: .ready,
                        attempt: 1, at: Records.date))
                let id = try #require(attempt.id)
                let afterInsert = try await t.catalog.changes()
                #expect(afterInsert.changed(since: before) == [.vms])
                attempt.httpStatus = 204
                attempt.delivered = true
                attempt.finished = true
                let done = try await t.catalog.recordCallback(attempt)
                #expect(done.id == id)
                let state = try await t.reopen().state(of: [.vms])
                #expect(state.callbacks["web-1"] == [done])
                #expect(try await t.catalog.changes().changed(since: afterInsert) == [.vms])
            }
        }

        @Test(
            "every record's coding keys are exactly its table's columns (a new field needs its migration, in both catalogs)",
            arguments: Backend.allCases)
        func keysMatchColumns(_ backend: Backend) async throws {
            try await TestCatalog.with(backend) { t in
                for (table, columns) in try RecordCodingTests.sampleColumns() {
                    let names = try await t.columns(of: table)
                    #expect(Set(columns) == names, "\(backend) \(table)")
                    #expect(columns.count == names.count, "\(backend) \(table): a column written twice")
                }
            }
        }
    }
}

@Suite("SQLite catalog")
struct SQLiteCatalogTests {
    @Test("a damaged catalog file is refused with what to do, and left untouched")
    func corrupt() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-corrupt-\(UUID().uuidString)")
            .path
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

    @Test(
        "a table read again at the same change counter is not decoded again (the reconciler and the API share one copy); a write by any connection makes the next read decode it"
    )
    func readsShareADecodedTable() async throws {
        let t = try TempCatalog()
        defer { t.remove() }
        let saved = try await t.catalog.saveBuild(Records.build("b"))
        let first = try await t.catalog.state(of: [.builds])
        #expect(first.builds["b"]?.specFields.specHash == saved.specFields.specHash)
        // Changed behind the catalog's back, with the counter put back: a read that decoded the row would see it.
        let queue = try DatabaseQueue(path: "\(t.folder)/catalog.sqlite")
        try await queue.write { db in
            try db.execute(sql: "UPDATE image_build SET specHash = 'changed-behind-the-back' WHERE name = 'b'")
            try db.execute(sql: "UPDATE catalog_change SET version = version - 1 WHERE tableName = 'image_build'")
        }
        try queue.close()
        let second = try await t.catalog.state(of: [.builds])
        #expect(second.builds["b"]?.specFields.specHash == saved.specFields.specHash)
        #expect(try await t.catalog.state().builds["b"]?.specFields.specHash == saved.specFields.specHash)

        _ = try await t.reopen().saveBuild(Records.build("c"))
        let third = try await t.catalog.state(of: [.builds])
        #expect(third.builds.keys.sorted() == ["b", "c"])
        #expect(third.builds["b"]?.specFields.specHash == "changed-behind-the-back")
    }
}
