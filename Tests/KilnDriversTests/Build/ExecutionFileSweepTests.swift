import Foundation
import KilnCatalog
import KilnDrivers
import KilnReconciler
import KilnTestSupport
import Testing

/// A fleet host removes the build files of its data dir that are no execution's any more (pruned or deleted by a
/// leader that could not see them, or made by an attempt that lost its claim), and nothing else.
@Suite struct ExecutionFileSweepTests {
    let paths = DataPaths(root: "/var/lib/kiln-a")
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    var sweep: ExecutionFileSweep { ExecutionFileSweep(paths: paths) }
    var old: Date { now.addingTimeInterval(-2 * 3600) }

    func execution(
        _ number: Int, id: Int64, status: ExecutionRecord.Status = .success, log: String? = nil
    ) -> ExecutionRecord {
        ExecutionRecord(
            id: id, buildName: "web", buildNumber: number, status: status, createdBy: "Ada", revision: "r",
            specRoot: "", spec: .object([:]), inputsHash: "i", runToken: "1",
            logPath: log ?? paths.log(build: "web", number: number), reason: "test", createdAt: now)
    }

    func output(_ number: Int, modified: Date? = nil) -> ExecutionFileSweep.File {
        .init(
            path: paths.artifacts(build: "web", number: number), kind: .output(build: "web", number: number),
            modified: modified ?? old)
    }

    func work(_ id: Int64) -> ExecutionFileSweep.File {
        .init(path: paths.work(execution: id), kind: .work(execution: id), modified: old)
    }

    @Test func filesOfExecutionsTheCatalogNoLongerHasGoUnlessATombstoneCanBringThemBack() {
        let state = CatalogState(executions: ["web": [execution(2, id: 12)]])
        let files = [output(1), output(2)]
        let found = sweep.leftovers(files, state: state, running: [], now: now)
        #expect(found.map(\.path) == [paths.artifacts(build: "web", number: 1)])
        #expect(found.first?.why == "execution #1 of web is no longer in the catalog")

        var buried = state
        buried.tombstones = [
            TombstoneRecord(
                objectKind: "ImageBuild", objectName: "web", contentHash: "c", records: "{}", paths: [],
                deletedAt: now, purgeAfter: now.addingTimeInterval(3600))
        ]
        #expect(sweep.leftovers(files, state: buried, running: [], now: now).isEmpty)
    }

    @Test func anAttemptThatLostItsClaimLeavesFilesThatGoOnceAnotherHostRanTheExecution() {
        // Host b's attempt started last: the execution's log is in b's data dir.
        let moved = execution(3, id: 13, status: .running, log: "/var/lib/kiln-b/logs/web/3.log")
        let state = CatalogState(executions: ["web": [moved]])
        let found = sweep.leftovers([output(3), work(13)], state: state, running: [], now: now)
        #expect(found.map(\.path) == [paths.artifacts(build: "web", number: 3), paths.work(execution: 13)])
        #expect(found.first?.why.contains("ran on another host (its log is /var/lib/kiln-b/logs/web/3.log)") == true)
        // A worker of this host still holds it (paused, about to learn its claim is gone): its files stay for now.
        #expect(sweep.leftovers([output(3), work(13)], state: state, running: [13], now: now).isEmpty)
    }

    @Test func thisHostsOwnExecutionsAndFreshFilesStay() {
        let state = CatalogState(executions: [
            "web": [execution(4, id: 14), execution(5, id: 15, status: .running)]
        ])
        let files = [output(4), output(5), work(15)]
        #expect(sweep.leftovers(files, state: state, running: [15], now: now).isEmpty)
        // With a grace, a file written within it stays whatever the catalog says.
        var patient = sweep
        patient.grace = 3600
        let fresh = output(6, modified: now.addingTimeInterval(-60))
        #expect(patient.leftovers([fresh], state: state, running: [], now: now).isEmpty)
        #expect(sweep.leftovers([fresh], state: state, running: [], now: now).map(\.path) == [fresh.path])
        // Its worker gone and the execution ended, the work folder goes; its outputs stay (they are the build's).
        var ended = state
        ended.executions["web"]![1].status = .failed
        #expect(sweep.leftovers(files, state: ended, running: [], now: now).map(\.path) == [paths.work(execution: 15)])
    }

    @Test func aFolderABuildOutputStillLiesInStays() {
        // Execution #8 reused #7's outputs, then #7 was pruned: #7's folder is still #8's.
        let state = CatalogState(
            executions: ["web": [execution(8, id: 18)]],
            virtualImages: [
                18: [
                    VirtualImageRecord(
                        executionId: 18, buildName: "web", buildNumber: 8, name: "web-7", format: "qcow2",
                        path: paths.artifacts(build: "web", number: 7) + "/web-7.qcow2", size: 1, sha256: "ab",
                        createdAt: now)
                ]
            ])
        #expect(sweep.leftovers([output(7)], state: state, running: [], now: now).isEmpty)
    }

    /// On disk, through a real SQLite catalog: only the leftover is removed, and a file not named as Kiln names its
    /// files is never touched.
    @Test func aSweepOfARealDataDir() async throws {
        let folder = try TempFolder(prefix: "kiln-file-sweep")
        let paths = DataPaths(root: "\(folder.path)/data")
        try paths.prepare()
        let catalog = try SQLiteCatalog(path: paths.catalog)
        let created = Date(timeIntervalSince1970: 1_700_000_000)
        _ = try await catalog.saveBuild(
            BuildRecord(
                name: "web", spec: .object([:]), specHash: "s", contentHash: "c", inputsHash: "i", runToken: "1",
                revision: "r", file: "builds/web.yaml", line: 1, createdAt: created, updatedAt: created))
        var kept = try await catalog.newExecution(
            ExecutionRecord(
                buildName: "web", buildNumber: 0, createdBy: "Ada", revision: "r", specRoot: "", spec: .object([:]),
                inputsHash: "i", runToken: "1", logPath: "", reason: "test", createdAt: created))
        kept.logPath = paths.log(build: "web", number: kept.buildNumber)
        kept.status = .success
        try await catalog.saveExecution(kept)

        let twoHoursAgo = Date().addingTimeInterval(-2 * 3600)
        var made: [String] = []
        for number in [kept.buildNumber, kept.buildNumber + 5] {
            made.append(try folder.write("data/artifacts/web/\(number)/web-\(number).qcow2", "disk"))
            made.append(try folder.write("data/logs/web/\(number).log", "log"))
        }
        made.append(try folder.write("data/artifacts/web/notes.txt", "not Kiln's"))
        for path in made + [paths.artifacts(build: "web", number: kept.buildNumber + 5)] {
            try FileManager.default.setAttributes([.modificationDate: twoHoursAgo], ofItemAtPath: path)
        }

        let removed = try await ExecutionFileSweep(paths: paths).run(catalog: catalog).map(\.path).sorted()
        #expect(
            removed
                == [
                    paths.artifacts(build: "web", number: kept.buildNumber + 5),
                    paths.log(build: "web", number: kept.buildNumber + 5)
                ].sorted())
        #expect(FileManager.default.fileExists(atPath: paths.artifacts(build: "web", number: kept.buildNumber)))
        #expect(FileManager.default.fileExists(atPath: paths.log(build: "web", number: kept.buildNumber)))
        #expect(FileManager.default.fileExists(atPath: "\(paths.artifacts)/web/notes.txt"))
    }
}
