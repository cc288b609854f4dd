import KilnCatalog
import KilnSpec

/// Runs build executions. An execution is recorded in the catalog before it starts; the driver starts it and the
/// execution itself reports progress and its result through the catalog, so it can outlive the Kiln process that
/// started it and be re-attached after a restart.
public protocol BuildDriver: Sendable {
    /// Starts an execution; returns once it runs, with the process that runs it (for re-attaching), if any.
    func start(_ execution: ExecutionRecord) async throws -> WorkerProcess?
    /// Asks a running execution to stop; it cleans up and ends `cancelled`.
    func cancel(_ execution: ExecutionRecord) async
    /// Whether the execution is still being worked on (its process is alive).
    func isRunning(_ execution: ExecutionRecord) async -> Bool
    /// The versions of the tools an execution uses: part of every build's inputs, so that new tools mean a new build
    /// rather than a reuse of old outputs.
    func toolsFingerprint() async -> String
}

/// A process Kiln started, identified so that a reused pid is never mistaken for it.
public struct WorkerProcess: Sendable, Hashable, Codable {
    public var pid: Int32
    /// The process's start time in clock ticks since boot (`/proc/<pid>/stat` field 22).
    public var startTime: UInt64

    public init(pid: Int32, startTime: UInt64) {
        self.pid = pid
        self.startTime = startTime
    }
}
