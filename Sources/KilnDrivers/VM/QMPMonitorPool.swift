import KilnReconciler
import KilnSpec

/// Kiln's monitor connections to the VMs it runs, kept open between passes: a quiet pass then costs one
/// `query-status` round trip per VM instead of a connect and a handshake.
///
/// Keyed by the VM's folder and its qemu process (pid and start time): a new process gets a new connection. A
/// connection that fails in any way is closed and made again on next use; one is closed when its VM is stopped or
/// deleted, and all of them at shutdown. While one caller uses a VM's connection, another gets nil and asks the
/// VM's other monitor instead (qemu serves one client per monitor socket).
actor QMPMonitorPool {
    private struct Entry {
        var process: WorkerProcess
        var connection: QMPMonitorConnection
    }

    private var idle: [String: Entry] = [:]
    /// Folders whose connection is in use right now, and of those, the ones closed meanwhile (not put back).
    private var inUse: Set<String> = []
    private var retired: Set<String> = []
    private var isShutDown = false

    /// Runs `commands` on the connection of `process` in `key`'s folder (made on `socket` when needed), each within
    /// `timeout`. Nil when the connection is busy with another caller or the pool is shut down.
    func session(
        key: String, socket: String, process: WorkerProcess, commands: [QMPCommand],
        timeout: Duration
    ) async throws(QMPError) -> [SpecValue]? {
        guard !isShutDown, !inUse.contains(key) else { return nil }
        var entry = idle.removeValue(forKey: key)
        if let current = entry, current.process != process || !current.connection.isActive {
            current.connection.close()
            entry = nil
        }
        inUse.insert(key)
        defer {
            inUse.remove(key)
            retired.remove(key)
        }
        let reused = entry != nil
        do {
            let (answers, used) = try await run(commands, on: entry, socket: socket, process: process, timeout: timeout)
            putBack(key, used)
            return answers
        } catch .closed(_) where reused {
            // The kept connection went stale between passes (qemu closed it): one fresh try.
            let (answers, used) = try await run(commands, on: nil, socket: socket, process: process, timeout: timeout)
            putBack(key, used)
            return answers
        }
    }

    private func run(
        _ commands: [QMPCommand], on entry: Entry?, socket: String, process: WorkerProcess,
        timeout: Duration
    ) async throws(QMPError) -> ([SpecValue], Entry) {
        let connection: QMPMonitorConnection
        if let entry {
            connection = entry.connection
        } else {
            connection = try await QMPMonitorConnection.open(socket, timeout: timeout)
        }
        let answers = try await connection.execute(commands, timeout: timeout)
        return (answers, Entry(process: process, connection: connection))
    }

    private func putBack(_ key: String, _ entry: Entry) {
        if retired.remove(key) != nil || isShutDown {
            entry.connection.close()
        } else {
            idle[key] = entry
        }
    }

    /// Closes the connection of `key`'s folder (its VM was stopped or deleted).
    func close(key: String) {
        idle.removeValue(forKey: key)?.connection.close()
        if inUse.contains(key) { retired.insert(key) }
    }

    /// Closes every connection; later sessions get nil.
    func shutdown() {
        isShutDown = true
        for entry in idle.values { entry.connection.close() }
        idle = [:]
    }

    /// How many connections are kept open (for tests).
    var openConnections: Int { idle.count }
}
