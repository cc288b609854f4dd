import Foundation
import KilnSpec
import KilnTestSupport
import Testing

@testable import KilnDrivers

@Suite("QMP client")
struct QMPClientTests {
    /// The deadline of sessions expected to be answered: long enough for any machine, short enough to catch a hang.
    static let generous: Duration = .seconds(120)

    static func socketPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("kiln-qmp-\(UUID().uuidString.prefix(8)).sock")
            .path
    }

    @Test("greeting, capabilities, a command and its answer; events and a CRLF ending are handled")
    func answers() async throws {
        let server = try await FakeQMPServer(socket: Self.socketPath(), behaviour: .answer(status: "paused"))
        defer { Task { await server.close() } }
        // A generous deadline: this test is about the answer, and the default (5 s) is not a promise a busy CI machine
        // keeps for an in-process fake server (it failed once at load 17).
        let answer = try await QMPClient(socket: server.socket, timeout: Self.generous).execute("query-status")
        #expect(answer["status"] == .string("paused"))
        #expect(server.commands == ["qmp_capabilities", "query-status"])
    }

    @Test(
        "a monitor that never answers ends the session at its deadline, with an error naming the socket",
        .timeLimit(.minutes(2)))
    func deadline() async throws {
        let server = try await FakeQMPServer(socket: Self.socketPath(), behaviour: .hang)
        defer { Task { await server.close() } }
        await #expect {
            _ = try await QMPClient(socket: server.socket, timeout: .milliseconds(300)).execute("query-status")
        } throws: { error in
            "\(error)".contains("no answer on \(server.socket)")
        }
    }

    @Test("many sessions at once against stuck monitors all end at their deadlines")
    func concurrentDeadlines() async throws {
        var servers: [FakeQMPServer] = []
        for _ in 0..<20 { servers.append(try await FakeQMPServer(socket: Self.socketPath(), behaviour: .hang)) }
        defer { for s in servers { Task { await s.close() } } }
        let sockets = servers.map(\.socket)
        let failures = await withTaskGroup(of: Bool.self) { group in
            for socket in sockets {
                group.addTask {
                    (try? await QMPClient(socket: socket, timeout: .milliseconds(200)).execute("query-status")) == nil
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(failures == 20)
    }

    @Test("a socket path longer than a socket address holds (deep data dirs) is reached through its folder")
    func longPath() async throws {
        let server = try await FakeQMPServer(socket: Self.socketPath())
        defer { Task { await server.close() } }
        let deep = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-qmp-\(UUID().uuidString)")
            .appendingPathComponent(String(repeating: "d", count: 90)).path
        try FileManager.default.createDirectory(atPath: deep, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: (deep as NSString).deletingLastPathComponent) }
        let folder = (server.socket as NSString).deletingLastPathComponent
        try FileManager.default.createSymbolicLink(atPath: "\(deep)/vm", withDestinationPath: folder)
        let long = "\(deep)/vm/\((server.socket as NSString).lastPathComponent)"
        #expect(long.utf8.count > 108)
        #expect(
            try await QMPClient(socket: long, timeout: Self.generous).execute("query-status")["status"]
                == .string("running"))
    }

    @Test("no socket: a clear error, at once")
    func unreachable() async throws {
        await #expect {
            _ = try await QMPClient(socket: "/nonexistent/kiln.sock").execute("query-status")
        } throws: { error in
            "\(error)".contains("cannot connect to /nonexistent/kiln.sock")
        }
    }
}
