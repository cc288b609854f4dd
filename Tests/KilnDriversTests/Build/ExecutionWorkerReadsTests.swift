import Foundation
import KilnBuilder
import KilnCatalog
import KilnSpec
import Testing

@testable import KilnDrivers

/// What a build worker reads of the catalog before it builds: only the tables it needs (a fleet's catalog may hold
/// thousands of VMs), and from them what the build needs.
@Suite("Build worker reads")
struct ExecutionWorkerReadsTests {
    @Test("the revision is the first of the same inputs; another input's execution keeps its own")
    func firstRevision() async throws {
        let (catalog, executions, folder) = try await FleetBuildDriverTests.catalog(executions: 3)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var second = executions[1]
        second.revision = "r2"
        try await catalog.saveExecution(second)
        var third = executions[2]
        third.revision = "r3"
        third.inputsHash = "other"
        try await catalog.saveExecution(third)
        #expect(try await ExecutionWorker.firstRevision(of: second, catalog: catalog) == "r")
        #expect(try await ExecutionWorker.firstRevision(of: third, catalog: catalog) == "r3")
    }

    @Test("a layered build's base: the Image's file and sha256, with the format and boot of the output it uses")
    func baseImage() async throws {
        let (catalog, executions, folder) = try await FleetBuildDriverTests.catalog(executions: 1)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let now = Date()
        var done = executions[0]
        done.status = .success
        try await catalog.finishExecution(
            done,
            images: [
                VirtualImageRecord(
                    executionId: done.id!, buildName: "b", buildNumber: 1, name: "b-1", format: "qcow2",
                    path: "/data/artifacts/b/1/b-1.qcow2", size: 1, sha256: "abc", boot: .uefi, createdAt: now)
            ])
        let output = try #require(try await catalog.virtualImages(of: done.id!).first)
        let layered = ImageBuildSpec(.object(["type": .string("qemu"), "source": .object(["image": .string("base")])]))
        #expect(try await ExecutionWorker.baseImage(of: layered, catalog: catalog) == nil, "no Image base yet")
        _ = try await catalog.saveImage(
            ImageRecord(
                name: "base", spec: .object([:]), specHash: "s", contentHash: "c", state: .active,
                virtualImageId: output.id, path: output.path, sha256: "abc", revision: "r", file: "base.yaml", line: 1,
                createdAt: now, updatedAt: now))
        #expect(
            try await ExecutionWorker.baseImage(of: layered, catalog: catalog)
                == BaseImage(name: "base", path: output.path, format: "qcow2", sha256: "abc", boot: .uefi))
    }
}
