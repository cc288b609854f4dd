import Foundation
import KilnCatalog
import KilnSpec
import KilnTestSupport
import Testing

@testable import KilnReconciler

@Suite("Reconciler: incremental status and the background status-file writer")
struct StatusFilesTests {
    /// The file's inode and modification time in nanoseconds: a rewrite (temp file + rename) changes the inode.
    static func identity(_ path: String) throws -> (inode: UInt64, mtime: Int) {
        var info = stat()
        guard stat(path, &info) == 0 else { throw CocoaError(.fileNoSuchFile) }
        return (UInt64(info.st_ino), info.st_mtim.tv_sec * 1_000_000_000 + info.st_mtim.tv_nsec)
    }

    @Test("a full pass over unchanged objects rewrites no status file (same inode and mtime)")
    func unchangedFilesStay() async throws {
        let h = try Harness()
        defer { h.remove() }
        await h.source.commit("c1", Harness.quickstart())
        _ = await h.settle()
        await h.reconciler.statusFilesWritten()
        let files = [
            ObjectKey(.imageBuild, "busybox"), ObjectKey(.image, "busybox"), ObjectKey(.virtualMachine, "hello")
        ]
        .map { h.paths.status($0) }
        let before = try files.map(Self.identity)
        let report = await h.reconciler.pass(full: true)
        #expect(report.objects.count == 3 && report.allReady, "\(report.objects)")
        await h.reconciler.statusFilesWritten()
        let after = try files.map(Self.identity)
        for (path, (old, new)) in zip(files, zip(before, after)) {
            #expect(old.inode == new.inode && old.mtime == new.mtime, "\(path) was rewritten")
        }
    }

    @Test("what another process writes to the catalog shows in status at the next full pass (counters followed)")
    func anotherWriterIsSeen() async throws {
        let h = try Harness()
        defer { h.remove() }
        await h.source.commit("c1", Harness.quickstart())
        _ = await h.settle()
        #expect(await h.status(.imageBuild, "busybox")?.contains("touched by another process") == false)

        // A second connection to the same file, as a build worker's process has.
        let other = try SQLiteCatalog(path: h.paths.catalog)
        var execution = try #require(try await other.state().executions["busybox"]?.last)
        execution.statusMessage = "touched by another process"
        try await other.saveExecution(execution)
        var vm = try #require(try await other.vm("hello"))
        vm.driftCount = 7
        vm.lastDrift = "stopped by hand"
        _ = try await other.saveVM(vm)

        _ = await h.reconciler.pass(full: true)
        #expect(await h.status(.imageBuild, "busybox")?.contains("touched by another process") == true)
        let status = try #require(await h.status(.virtualMachine, "hello"))
        #expect(status.contains("count: 7") && status.contains("stopped by hand"), "\(status)")
        #expect(status.contains("restored after 7 drifts"), "\(status)")
    }

    @Test("a booting VM's status follows the clock even when nothing else changes (BootTimeout)")
    func bootingFollowsTheClock() async throws {
        let h = try Harness()
        defer { h.remove() }
        await h.vms.neverReady("hello")
        var files = Harness.quickstart()
        files["vms.yaml"] = Specs.vm("hello", image: "busybox", powerState: "running") + "  bootTimeout: 10m\n"
        await h.source.commit("c1", files)
        let key = ObjectKey(.virtualMachine, "hello")
        // Passes until the guest boots (the build and the image come first); a deadline only for a real hang.
        let deadline = ContinuousClock.now + .seconds(300)
        var reason: String?
        while reason != "Booting", ContinuousClock.now < deadline {
            reason = await h.reconciler.pass().objects[key]?.reason
            if reason != "Booting" { try await Task.sleep(for: .milliseconds(20)) }
        }
        try #require(reason == "Booting")
        _ = await h.reconciler.pass(full: true)
        #expect(await h.status(.virtualMachine, "hello")?.contains("reason: Booting") == true)
        h.clock.advance(by: 3600)
        let report = await h.reconciler.pass(full: true)
        #expect(report.objects[key]?.reason == "BootTimeout")
        let status = try #require(await h.status(.virtualMachine, "hello"))
        #expect(status.contains("reason: BootTimeout"), "\(status)")
    }

    @Test("the writer keeps the newest text of a file handed over twice, and a removal after a write wins")
    func writerCoalesces() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-writer-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let writer = StatusFileWriter()
        for round in 0..<50 {
            writer.write([("\(folder)/a.yaml", "a \(round)\n"), ("\(folder)/b.yaml", "b \(round)\n")])
        }
        writer.remove(["\(folder)/b.yaml"])
        writer.write([("\(folder)/c.yaml", "c\n")])
        await writer.wait()
        #expect(try String(contentsOfFile: "\(folder)/a.yaml", encoding: .utf8) == "a 49\n")
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/b.yaml"))
        #expect(try String(contentsOfFile: "\(folder)/c.yaml", encoding: .utf8) == "c\n")
        let left = try FileManager.default.contentsOfDirectory(atPath: folder).filter {
            $0.hasPrefix(AtomicFile.tempMarker)
        }
        #expect(left.isEmpty, "temp files left: \(left)")
        #expect(writer.takeFailures().isEmpty)
    }

    @Test("a file the writer cannot write is reported, and written once handed over again")
    func writerReportsFailures() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-writer-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let writer = StatusFileWriter()
        writer.write([("\(folder)/x.yaml", "x\n")])
        await writer.wait()
        let failures = writer.takeFailures()
        #expect(failures.keys.sorted() == ["\(folder)/x.yaml"], "\(failures)")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        writer.write([("\(folder)/x.yaml", "x\n")])
        await writer.wait()
        #expect(writer.takeFailures().isEmpty)
        #expect(try String(contentsOfFile: "\(folder)/x.yaml", encoding: .utf8) == "x\n")
    }
}
