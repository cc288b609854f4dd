import Foundation
import KilnReconciler
import Testing

@testable import KilnDrivers

@Suite("Execution lock and process identity")
struct ExecutionLockTests {
    @Test("a held lock says the execution runs; released, it does not, and the file is gone")
    func lock() throws {
        let paths = DataPaths(
            root: FileManager.default.temporaryDirectory.appendingPathComponent("kiln-lock-\(UUID().uuidString)").path)
        try paths.prepare()
        defer { try? FileManager.default.removeItem(atPath: paths.root) }
        #expect(!ExecutionLock.isHeld(paths, 7))
        let fd = try #require(ExecutionLock.acquire(paths, 7))
        #expect(ExecutionLock.isHeld(paths, 7))
        #expect(ExecutionLock.acquire(paths, 7) == nil)
        ExecutionLock.release(fd, paths, 7)
        #expect(!ExecutionLock.isHeld(paths, 7))
        #expect(!FileManager.default.fileExists(atPath: paths.workerLock(execution: 7)))
    }

    @Test("a process is known by pid and start time; a reused pid with another start time is not it")
    func identity() throws {
        let me = try #require(ProcessIdentity.current(getpid()))
        #expect(ProcessIdentity.isAlive(me))
        #expect(!ProcessIdentity.isAlive(WorkerProcess(pid: me.pid, startTime: me.startTime + 1)))
        #expect(ProcessIdentity.startTime(999_999_999) == nil)
    }

    @Test("the data dir path is canonical however it is written")
    func canonicalRoot() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-root-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: "\(folder)/d", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let plain = DataPaths(root: "\(folder)/d").root
        #expect(DataPaths(root: "\(folder)/./d/").root == plain)
        #expect(DataPaths(root: "\(folder)/x/../d").root == plain)
    }
}
