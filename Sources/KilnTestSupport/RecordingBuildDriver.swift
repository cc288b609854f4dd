import Foundation
import KilnCatalog
import KilnReconciler
import KilnSpec

/// A build driver for tests: executions succeed (writing small files for their virtual images), fail or hang as the
/// test says, and every call is recorded. Not a stand-in for the real builder anywhere but tests and benchmarks.
public actor RecordingBuildDriver: BuildDriver {
    public enum Behaviour: Sendable {
        case succeed
        case fail(String)
        /// Runs until cancelled.
        case hang
    }

    let catalog: any Catalog
    let paths: DataPaths
    public private(set) var started: [String] = []
    public private(set) var cancelled: [String] = []
    var behaviours: [String: Behaviour] = [:]
    var tasks: [Int64: Task<Void, Never>] = [:]
    var active: Set<Int64> = []
    var hanging: Set<Int64> = []
    var startError: String?
    var fingerprint = "tools-1"

    public init(catalog: any Catalog, paths: DataPaths) {
        self.catalog = catalog
        self.paths = paths
    }

    public func behave(_ build: String, _ behaviour: Behaviour) { behaviours[build] = behaviour }

    /// While held, started executions wait before doing anything, as real builds take a while: a benchmark can time
    /// a reconcile pass without the executions' own work mixed in. They wait on a continuation, not by polling: 3,333
    /// held executions polling every 5 ms took both cores of the machine the benchmark timed the pass on.
    var held = false
    var waiting: [CheckedContinuation<Void, Never>] = []
    public func hold() { held = true }
    public func release() {
        held = false
        for waiter in waiting { waiter.resume() }
        waiting.removeAll()
    }
    func waitWhileHeld() async {
        guard held else { return }
        await withCheckedContinuation { waiting.append($0) }
    }
    public func failStarts(_ message: String?) { startError = message }
    public func setFingerprint(_ value: String) { fingerprint = value }

    public func start(_ execution: ExecutionRecord) async throws -> WorkerProcess? {
        if let startError { throw RecordingDriverError(message: startError) }
        guard let id = execution.id else { throw RecordingDriverError(message: "execution has no id") }
        started.append("\(execution.buildName)#\(execution.buildNumber)")
        let behaviour = behaviours[execution.buildName] ?? .succeed
        var running = execution
        running.status = .running
        running.startDate = Date()
        running.statusMessage = "Provisioning: build"
        running.statusPercent = 10
        active.insert(id)
        if case .hang = behaviour { hanging.insert(id) }
        let catalog = self.catalog
        let paths = self.paths
        let task = Task { [running] in
            await self.waitWhileHeld()
            // Like a real worker, the execution reports that it runs from its own task, not from `start`.
            try? await catalog.saveExecution(running)
            await Self.work(running, behaviour: behaviour, catalog: catalog, paths: paths)
            await self.finished(id)
        }
        tasks[id] = task
        return nil
    }

    func finished(_ id: Int64) { active.remove(id) }

    static func work(_ execution: ExecutionRecord, behaviour: Behaviour, catalog: any Catalog, paths: DataPaths) async {
        var e = execution
        switch behaviour {
        case .succeed:
            let spec = ImageBuildSpec(e.spec)
            let folder = paths.artifacts(build: e.buildName, number: e.buildNumber)
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let name = "\(spec.buildOutputName ?? e.buildName)-\(e.buildNumber)"
            var images: [VirtualImageRecord] = []
            for format in spec.outputFormats {
                let path = "\(folder)/\(name).\(format)"
                let content = "\(format) of \(e.buildName) #\(e.buildNumber) with inputs \(e.inputsHash)"
                try? content.write(toFile: path, atomically: true, encoding: .utf8)
                images.append(
                    VirtualImageRecord(
                        executionId: e.id!, buildName: e.buildName, buildNumber: e.buildNumber,
                        name: name, format: format, path: path, size: Int64(content.utf8.count),
                        sha256: Digest.sha256Hex(content), createdAt: Date()))
            }
            try? FileManager.default.createDirectory(
                atPath: (e.logPath as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true)
            try? "build log\n".write(toFile: e.logPath, atomically: true, encoding: .utf8)
            e.status = .success
            e.statusPercent = 100
            e.statusMessage = nil
            e.endDate = Date()
            try? await catalog.finishExecution(e, images: images)
        case .fail(let message):
            e.status = .failed
            e.errorMessage = message
            e.endDate = Date()
            try? await catalog.saveExecution(e)
        case .hang:
            while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(10)) }
            e.status = .cancelled
            e.statusMessage = "Cancelled"
            e.endDate = Date()
            try? await catalog.saveExecution(e)
        }
    }

    public func cancel(_ execution: ExecutionRecord) async {
        cancelled.append("\(execution.buildName)#\(execution.buildNumber)")
        guard let task = tasks[execution.id ?? -1] else { return }
        task.cancel()
        await task.value
    }

    public func isRunning(_ execution: ExecutionRecord) async -> Bool {
        active.contains(execution.id ?? -1)
    }

    public func toolsFingerprint() async -> String { fingerprint }

    /// Waits until every execution that does not hang has finished.
    public func drain() async {
        for (id, task) in tasks where active.contains(id) && !hanging.contains(id) {
            await task.value
        }
    }

    /// Forgets every running task without stopping it, as a crashed Kiln would.
    public func forgetRunning() { active.removeAll() }
}

public struct RecordingDriverError: Error, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
