import Foundation
import KilnTestSupport
import Synchronization
import Testing

@testable import KilnDrivers

/// One kept QMP connection: a command sent after its channel closed fails at once, with `closed`, instead of waiting
/// for an answer that cannot come (its request never reaches the handler that would time it out).
@Suite struct QMPMonitorConnectionTests {
    @Test("a command on a connection whose channel already closed fails with closed, at once")
    func commandAfterClose() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-qmpc-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let server = try await FakeQMPServer(socket: folder + "/kiln-qmp.sock")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let connection = try await QMPMonitorConnection.open(server.socket, timeout: .seconds(300))
        #expect(try await connection.execute([QMPCommand("query-status")], timeout: .seconds(300)).count == 1)
        connection.close()
        let closing = ContinuousClock.now + .seconds(300)
        while connection.isActive, ContinuousClock.now < closing { try await Task.sleep(for: .milliseconds(10)) }
        #expect(!connection.isActive)

        // The command's own deadline is an hour, so only the failed write can end it. It runs in a task of its own,
        // polled with a bound that only catches the hang this test is about (an awaited hang could not be cut).
        let result = Mutex<String?>(nil)
        Task {
            let answer: String
            do {
                _ = try await connection.execute([QMPCommand("query-status")], timeout: .seconds(3600))
                answer = "answered"
            } catch {
                if case QMPError.closed = error { answer = "closed" } else { answer = "\(error)" }
            }
            result.withLock { $0 = answer }
        }
        let answering = ContinuousClock.now + .seconds(300)
        while result.withLock({ $0 }) == nil, ContinuousClock.now < answering {
            try await Task.sleep(for: .milliseconds(10))
        }
        let outcome = result.withLock { $0 }
        #expect(outcome == "closed", "the command after close: \(outcome ?? "still waiting after 300 s")")
        await server.close()
    }
}
