import Foundation
import KilnReconciler
import KilnTestSupport
import Synchronization
import Testing

@testable import KilnDrivers

@Suite("Execution lock and process identity")
struct ExecutionLockTests {
    /// A new data dir in the temp folder, prepared; the caller removes it.
    static func scratchDataDir() throws -> DataPaths {
        let paths = DataPaths(
            root: FileManager.default.temporaryDirectory.appendingPathComponent("kiln-lock-\(UUID().uuidString)").path)
        try paths.prepare()
        return paths
    }

    @Test("a held lock says the execution runs; released, it does not, and the file is gone")
    func lock() throws {
        let paths = try Self.scratchDataDir()
        defer { try? FileManager.default.removeItem(atPath: paths.root) }
        #expect(!ExecutionLock.isHeld(paths, 7))
        let fd = try #require(ExecutionLock.acquire(paths, 7))
        #expect(ExecutionLock.isHeld(paths, 7))
        #expect(ExecutionLock.acquire(paths, 7) == nil)
        ExecutionLock.release(fd, paths, 7)
        #expect(!ExecutionLock.isHeld(paths, 7))
        #expect(!FileManager.default.fileExists(atPath: paths.workerLock(execution: 7)))
    }

    /// A worker of an older Kiln, still running across an upgrade, holds an `flock`: it counts as running, so the new
    /// Kiln neither marks its execution interrupted nor starts a second worker for it.
    @Test("a worker of an older Kiln (an flock) still counts as running")
    func olderWorkersLock() throws {
        let paths = try Self.scratchDataDir()
        defer { try? FileManager.default.removeItem(atPath: paths.root) }
        let fd = open(paths.workerLock(execution: 7), O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        try #require(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
        #expect(ExecutionLock.isHeld(paths, 7))
        close(fd)
        #expect(!ExecutionLock.isHeld(paths, 7))
    }

    /// Kiln probes the lock (a pass's drift check, the spawner's wait) while a worker may be taking it. A probe that
    /// took the lock for an instant, as an `flock` probe must, made such a worker end at once ("already has a
    /// worker"), leaving its execution to be found interrupted later. The workers are real `kiln internal-execute`
    /// processes, so that no fork of this test process (other tests start processes too) holds a copy of their lock.
    @Test("a worker that starts while Kiln probes its lock always takes it")
    func probesNeverTurnAWorkerAway() async throws {
        let kiln = try KilnBinary.require()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-lock-\(UUID().uuidString)")
            .path
        let paths = DataPaths(root: scratch + "/data")
        try paths.prepare()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let probe = Prober()
        Thread.detachNewThread {
            while !probe.stop.load(ordering: .relaxed) {
                _ = ExecutionLock.isHeld(paths, 7)
                probe.count.add(1, ordering: .relaxed)
            }
            probe.done.store(true, ordering: .releasing)
        }
        defer {
            probe.stop.store(true, ordering: .relaxed)
            while !probe.done.load(ordering: .acquiring) { sched_yield() }
        }
        // The worker takes the lock first, then finds no execution 7 in the (new) catalog and ends with 0.
        let before = probe.count.load(ordering: .relaxed)
        for attempt in 1...40 {
            let worker = try await ChildProcess.run(
                kiln, ["internal-execute", "--data-dir", paths.root, "--execution", "7", "--repo", scratch])
            #expect(worker.exitCode == 0, "worker \(attempt): \(worker)")
            #expect(!worker.stderr.contains("already has a worker"), "worker \(attempt) was turned away: \(worker)")
        }
        #expect(probe.count.load(ordering: .relaxed) > before, "the probes ran beside the workers")
    }

    /// The probing thread's flags.
    final class Prober: Sendable {
        let stop = Atomic<Bool>(false)
        let count = Atomic<Int>(0)
        let done = Atomic<Bool>(false)
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
