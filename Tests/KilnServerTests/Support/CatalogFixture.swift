import Foundation
import KilnCatalog
import KilnSpec
import Testing

/// A real SQLite catalog in a temporary folder, filled as a few reconcile passes would leave it: the busybox build with
/// three executions (a success with two virtual images, a failure, one running), the image resolved to the first
/// execution's qcow2, one VM running on it and one failed, and a sync record with an applied and a refused commit.
final class CatalogFixture: Sendable {
    let folder: URL
    let catalog: SQLiteCatalog

    static let at = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z
    static let refusedCommit = "8badf00d8badf00d8badf00d8badf00d8badf00d"
    static let refusedErrors = [
        SpecError(
            file: "builds/busybox.yaml", line: 12, column: 7, path: "spec.keepResults", message: "must be 0 or more"),
        SpecError(file: "vms/hello-1.yaml", line: 5, column: 9, path: "spec.cpus", message: "must be between 1 and 64")
    ]

    init() async throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-server-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        catalog = try SQLiteCatalog(path: folder.appendingPathComponent("catalog.sqlite").path)
        try await populate()
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    static func ready(_ reason: String, _ message: String, _ ready: Bool = true) -> ObjectStatus {
        ObjectStatus(
            conditions: [
                Condition(type: .ready, status: ready, reason: reason, message: message, lastTransitionTime: at)
            ],
            observedRevision: SpecFixture.revision.id, observedSpecHash: nil)
    }

    private func populate() async throws {
        let snapshot = try SpecFixture.snapshot()
        let revision = SpecFixture.revision.id
        let build = try #require(snapshot.object(.imageBuild, "busybox"))
        _ = try await catalog.saveBuild(
            BuildRecord(
                name: build.name, spec: build.spec, specHash: build.specHash, contentHash: build.contentHash,
                inputsHash: "inputs-1",
                runToken: nil, revision: revision, file: build.file, line: build.line, createdAt: Self.at,
                updatedAt: Self.at,
                status: ObjectStatus(
                    conditions: [
                        Condition(
                            type: .ready, status: false, reason: "Running", message: "execution #3 is running",
                            lastTransitionTime: Self.at),
                        Condition(
                            type: .reconciling, status: true, reason: "Running", message: "execution #3 is running",
                            lastTransitionTime: Self.at)
                    ], observedRevision: revision, observedSpecHash: build.specHash)))

        func execution(_ status: ExecutionRecord.Status) -> ExecutionRecord {
            ExecutionRecord(
                buildName: "busybox", buildNumber: 0, status: status, createdBy: "Ada Lovelace", revision: revision,
                specRoot: "", spec: build.spec, inputsHash: "inputs-1", runToken: nil,
                logPath: "/var/lib/kiln/logs/busybox.log",
                reason: "a new build", createdAt: Self.at)
        }
        var first = try await catalog.newExecution(execution(.pending))
        first.status = .success
        first.statusPercent = 100
        first.startDate = Self.at
        first.endDate = Self.at.addingTimeInterval(95)
        let firstId = try #require(first.id)
        try await catalog.finishExecution(
            first,
            images: ["qcow2", "vmdk"].map { format in
                VirtualImageRecord(
                    executionId: firstId, buildName: "busybox", buildNumber: 1, name: "busybox-1", format: format,
                    path: "/var/lib/kiln/artifacts/busybox/1/busybox-1.\(format)",
                    size: format == "qcow2" ? 20_971_520 : 31_457_280,
                    sha256: String(repeating: format == "qcow2" ? "a" : "b", count: 64), createdAt: Self.at)
            })
        var second = try await catalog.newExecution(execution(.pending))
        second.status = .failed
        second.statusMessage = "provision failed"
        second.errorMessage = "script install exited with status 2"
        second.startDate = Self.at.addingTimeInterval(3600)
        second.endDate = Self.at.addingTimeInterval(3660)
        try await catalog.finishExecution(second, images: [])
        var third = try await catalog.newExecution(execution(.pending))
        third.status = .running
        third.statusPercent = 40
        third.statusEta = 57
        third.statusMessage = "provision: install"
        third.startDate = Self.at.addingTimeInterval(7200)
        try await catalog.saveExecution(third)

        let virtualImages = try await catalog.virtualImages(of: firstId)
        let qcow2 = try #require(virtualImages.first { $0.format == "qcow2" })
        let image = try #require(snapshot.object(.image, "busybox"))
        _ = try await catalog.saveImage(
            ImageRecord(
                name: image.name, spec: image.spec, specHash: image.specHash, contentHash: image.contentHash,
                state: .active, version: 2,
                virtualImageId: qcow2.id, path: qcow2.path, sha256: qcow2.sha256, format: "qcow2", revision: revision,
                file: image.file, line: image.line, createdAt: Self.at, updatedAt: Self.at,
                status: Self.ready("Resolved", "busybox-1 (qcow2)")))

        let running = try #require(snapshot.object(.virtualMachine, "hello-1"))
        _ = try await catalog.saveVM(
            VMRecord(
                name: running.name, uuid: "6f1c7d2e-8a4b-4c3d-9e5f-0a1b2c3d4e5f", spec: running.spec,
                specHash: running.specHash,
                contentHash: running.contentHash, vmStatus: .poweredOn, guestReady: true, ipAddress: "10.0.2.15",
                guestOs: "linux",
                imageName: "busybox", imagePath: qcow2.path, imageSha256: qcow2.sha256, revision: revision,
                file: running.file,
                line: running.line, createdAt: Self.at, updatedAt: Self.at, status: Self.ready("Running", "powered on"))
        )
        let failed = try #require(snapshot.object(.virtualMachine, "hello-2"))
        _ = try await catalog.saveVM(
            VMRecord(
                name: failed.name, uuid: "0e9d8c7b-6a5f-4e3d-2c1b-0a9f8e7d6c5b", spec: failed.spec,
                specHash: failed.specHash,
                contentHash: failed.contentHash, vmStatus: .failed, errorCode: "image-download-failed",
                errorMessage: "https://images.example.org/disk.qcow2: 404 Not Found", revision: revision,
                file: failed.file,
                line: failed.line, createdAt: Self.at, updatedAt: Self.at,
                status: Self.ready("ImageDownloadFailed", "the image could not be downloaded", false)))

        var sync = SyncRecord()
        sync.source = "https://git.example.org/infra/images.git"
        sync.branch = "main"
        sync.specRoot = "kiln"
        sync.lastSeenCommit = Self.refusedCommit
        sync.lastSeenAt = Self.at.addingTimeInterval(7300)
        sync.lastAppliedCommit = revision
        sync.lastAppliedAuthor = "Ada Lovelace"
        sync.lastAppliedMessage = "Add busybox"
        sync.lastAppliedAt = Self.at
        sync.refusedCommit = Self.refusedCommit
        sync.refusedAuthor = "Charles Babbage"
        sync.refusedMessage = "Tune busybox"
        sync.refusedReason = .invalid
        sync.refusedErrors = Self.refusedErrors
        sync.refusedAt = Self.at.addingTimeInterval(7300)
        sync.lastRunAt = Self.at.addingTimeInterval(7300)
        sync.lastRunResult = "refused"
        try await catalog.saveSync(sync)
    }
}
