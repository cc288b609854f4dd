import Foundation

/// A PostgreSQL transaction that a test holds open: `psql` runs the statements after `BEGIN`, says so (a file), and
/// commits only once the test releases it. A test takes a lock with it (`LOCK TABLE work IN EXCLUSIVE MODE`) and so
/// stops Kiln at a chosen write, for certain and with no timing assumption; readers are not blocked.
public struct HeldTransaction: Sendable {
    let process: RunningProcess
    let folder: String

    /// Waits until the statements ran (the lock is held); false if psql ended first or `timeout` passed.
    public func waitUntilHeld(timeout: Duration = .seconds(300)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, !Task.isCancelled {
            if FileManager.default.fileExists(atPath: "\(folder)/held") { return true }
            if process.isReaped || Foundation.kill(process.pid, 0) != 0 { return false }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return FileManager.default.fileExists(atPath: "\(folder)/held")
    }

    /// Commits the transaction and waits for psql to end; returns what it said.
    @discardableResult
    public func release() async -> ProcessResult {
        FileManager.default.createFile(atPath: "\(folder)/release", contents: Data())
        let result = await process.wait(timeout: .seconds(300))
        try? FileManager.default.removeItem(atPath: folder)
        return result
    }

    /// Ends psql by its pid (the transaction rolls back), for a test that fails before it releases.
    public func abandon() async {
        process.kill()
        _ = await process.wait(timeout: .seconds(60))
        try? FileManager.default.removeItem(atPath: folder)
    }
}

extension PostgresCluster {
    /// Runs `statements` in a transaction of `database` that stays open until the ``HeldTransaction`` is released.
    public func hold(_ statements: String, database: String) async throws -> HeldTransaction {
        let folder = "/tmp/kiln-held-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let script = """
            BEGIN;
            \(statements)
            \\! touch \(folder)/held
            \\! while [ ! -e \(folder)/release ]; do sleep 0.05; done
            COMMIT;

            """
        try script.write(toFile: "\(folder)/script.sql", atomically: true, encoding: .utf8)
        let process = try RunningProcess(
            "\(Self.binaries)/psql",
            [
                "-h", socketFolder, "-p", String(port), "-U", user, "-d", database, "-v", "ON_ERROR_STOP=1", "-f",
                "\(folder)/script.sql"
            ])
        return HeldTransaction(process: process, folder: folder)
    }
}
