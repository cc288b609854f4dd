import Foundation
import KilnCatalog
import KilnReconciler
import KilnSpec
import Testing

@testable import KilnDrivers

/// The fleet leader's build driver on a real catalog: an execution it starts is a work row any host may claim, it
/// runs while that row is open, and a cancel ends queued work at once or is asked of the claiming host.
@Suite("Fleet build driver")
struct FleetBuildDriverTests {
    /// A driver whose own tools fingerprint is fixed: the leader's host never builds.
    struct LocalTools: BuildDriver {
        func start(_ execution: ExecutionRecord) async throws -> WorkerProcess? { nil }
        func cancel(_ execution: ExecutionRecord) async {}
        func isRunning(_ execution: ExecutionRecord) async -> Bool { false }
        func toolsFingerprint() async -> String { "tools-1" }
    }

    /// A SQLite catalog in a temp folder with build `b` and `count` pending executions of it, of spec `spec`.
    static func catalog(
        executions count: Int, spec: SpecValue = .object([:])
    ) async throws -> (SQLiteCatalog, [ExecutionRecord], String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-fleet-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let catalog = try SQLiteCatalog(path: "\(folder)/catalog.sqlite")
        let now = Date()
        _ = try await catalog.saveBuild(
            BuildRecord(
                name: "b", spec: .object(["type": .string("qemu")]), specHash: "s", contentHash: "c", inputsHash: "i",
                runToken: "1", revision: "r", file: "b.yaml", line: 1, createdAt: now, updatedAt: now))
        var executions: [ExecutionRecord] = []
        for number in 1...count {
            executions.append(
                try await catalog.newExecution(
                    ExecutionRecord(
                        buildName: "b", buildNumber: number, createdBy: "Ada", revision: "r", specRoot: "",
                        spec: spec, inputsHash: "i", runToken: "1", logPath: "/leader/\(number).log",
                        reason: "test", createdAt: now)))
        }
        return (catalog, executions, folder)
    }

    @Test("a started execution is queued work that names it; it runs while the work is open, and not once finished")
    func startAndRun() async throws {
        let (catalog, executions, folder) = try await Self.catalog(executions: 1)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let driver = FleetBuildDriver(catalog: catalog, local: LocalTools())
        let execution = executions[0]
        #expect(!(await driver.isRunning(execution)), "no work yet: not running")
        #expect(try await driver.start(execution) == nil, "no process on the leader")
        let row = try #require(try await catalog.work(key: FleetBuildDriver.workKey(execution: execution)))
        #expect(row.kind == .runExecution && row.state == .queued && row.objectName == "b")
        #expect(row.detail["execution"]?.int == Int(execution.id!))
        #expect(row.cpus == FleetBuildDriver.cpus && row.memoryBytes == FleetBuildDriver.memoryBytes)
        #expect(await driver.isRunning(execution))
        // Started again (a later pass), it is still the one row.
        _ = try await driver.start(execution)
        #expect(try await catalog.work().count == 1)

        let claim = try #require(
            try await catalog.claimWork(host: "b1", labels: [], capacity: .unbounded, limit: 1, lease: .seconds(600))
                .first?.claim)
        #expect(await driver.isRunning(execution), "claimed: running on b1")
        try await catalog.finishWork(claim, WorkCompletion(.done("built")))
        #expect(!(await driver.isRunning(execution)), "finished: no longer running")
        #expect(await driver.toolsFingerprint() == "tools-1")
    }

    @Test("a cancel ends queued work at once with its execution cancelled, and is asked of the host holding a claim")
    func cancel() async throws {
        let (catalog, executions, folder) = try await Self.catalog(executions: 2)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let driver = FleetBuildDriver(catalog: catalog, local: LocalTools())
        for execution in executions { _ = try await driver.start(execution) }
        let claimed = try await catalog.claimWork(
            host: "b1", labels: [], capacity: .unbounded, limit: 1, lease: .seconds(600))
        #expect(claimed.first?.workKey == FleetBuildDriver.workKey(execution: executions[0]))

        await driver.cancel(executions[1])
        let queued = try #require(try await catalog.work(key: FleetBuildDriver.workKey(execution: executions[1])))
        #expect(queued.state == .failed && queued.result == WorkRecord.cancelledBeforeClaim)
        #expect(try await catalog.execution(id: executions[1].id!)?.status == .cancelled)
        #expect(!(await driver.isRunning(executions[1])))

        await driver.cancel(executions[0])
        let running = try #require(try await catalog.work(key: FleetBuildDriver.workKey(execution: executions[0])))
        #expect(running.state == .claimed && running.cancelRequested && running.holder == "b1")
        #expect(try await catalog.execution(id: executions[0].id!)?.status == .pending, "its host ends it")
        #expect(await driver.isRunning(executions[0]))
    }

    /// A fleet host beating now, with an hour-long lease so that it stays Ready through the test.
    static func host(_ name: String, labels: [String]) -> HostRecord {
        HostRecord(
            name: name, address: "http://127.0.0.1:1", cpus: 2, memoryBytes: 4 << 30, diskFreeBytes: 10 << 30,
            kvm: false, labels: labels, version: "0.1.0", dataDir: "/d/\(name)", leaseSeconds: 3600,
            startedAt: Date(), heartbeatAt: Date())
    }

    @Test(
        "a placed build's work needs its labels and its host's own; a placement no Ready host matches is said at once")
    func placement() async throws {
        let placed: SpecValue = .object([
            "type": .string("qemu"),
            "placement": .object(["host": .string("b2"), "labels": .object(["kvm": .string("yes")])])
        ])
        let (catalog, executions, folder) = try await Self.catalog(executions: 2, spec: placed)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let driver = FleetBuildDriver(catalog: catalog, local: LocalTools())
        // b1 has the label but is not b2; b2 lacks the label.
        _ = try await catalog.heartbeat(Self.host("b1", labels: ["kvm=yes"]))
        _ = try await catalog.heartbeat(Self.host("b2", labels: []))
        _ = try await driver.start(executions[0])
        let row = try #require(try await catalog.work(key: FleetBuildDriver.workKey(execution: executions[0])))
        #expect(row.labels == ["kiln.dev/host=b2", "kvm=yes"])
        let waiting = try #require(try await catalog.execution(id: executions[0].id!))
        #expect(waiting.status == .pending)
        #expect(
            waiting.statusMessage
                == "Waiting for a host: no Ready host that takes work matches its placement (host b2 and labels kvm=yes); see kiln get hosts. It runs once one does"
        )
        // What each host claims with (BuildWorkService): its --host-labels and the label of its own name.
        #expect(
            try await catalog.claimWork(
                host: "b1", labels: ["kvm=yes", Placement.hostLabel("b1")], capacity: .unbounded, limit: 2,
                lease: .seconds(600)
            ).isEmpty)

        // b2 gets the label (restarted with --host-label kvm=yes): the next execution waits for nothing, b2 claims both.
        _ = try await catalog.heartbeat(Self.host("b2", labels: ["kvm=yes"]))
        _ = try await driver.start(executions[1])
        let next = try #require(try await catalog.execution(id: executions[1].id!))
        #expect(
            next.statusMessage?.hasPrefix("Waiting for a host") != true, "\(String(describing: next.statusMessage))")
        let claimed = try await catalog.claimWork(
            host: "b2", labels: ["kvm=yes", Placement.hostLabel("b2")], capacity: .unbounded, limit: 2,
            lease: .seconds(600))
        #expect(claimed.map(\.workKey) == executions.map { FleetBuildDriver.workKey(execution: $0) })
    }
}
