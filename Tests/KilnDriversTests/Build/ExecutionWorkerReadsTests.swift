import Foundation
import KilnBuilder
import KilnCatalog
import KilnSource
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

    @Test("a worker whose mirror lacks the commit (a follower that claimed the build first) fetches it, then reads it")
    func fetchesTheCommitItLacks() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-worker-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let origin = "\(folder)/origin"
        try FileManager.default.createDirectory(atPath: origin, withIntermediateDirectories: true)
        func git(_ arguments: String...) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/git")
            process.arguments = ["-C", origin, "-c", "user.name=Ada", "-c", "user.email=ada@example.com"] + arguments
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let out = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        _ = try git("init", "-q", "-b", "main")
        try "v1\n".write(toFile: "\(origin)/script.sh", atomically: true, encoding: .utf8)
        _ = try git("add", "-A")
        _ = try git("commit", "-q", "-m", "one")
        let source = try GitSource(
            GitSource.Configuration(repository: "file://\(origin)", dataDirectory: "\(folder)/data"))
        _ = try await source.poll()
        try "v2\n".write(toFile: "\(origin)/script.sh", atomically: true, encoding: .utf8)
        _ = try git("commit", "-q", "-am", "two")
        let second = try git("rev-parse", "HEAD")

        await #expect(throws: GitSourceError.self) { try await source.fileReader(commit: second) }
        let files = try await ExecutionWorker.files(of: second, in: source)
        #expect(try files.read("script.sh") == Array("v2\n".utf8))
    }
}
