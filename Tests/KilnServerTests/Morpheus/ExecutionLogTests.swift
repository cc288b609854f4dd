import Foundation
import Hummingbird
import HummingbirdTesting
import KilnCatalog
import KilnServer
import Synchronization
import Testing

/// An execution's log: plain text, secrets masked as served, `Range`, and `?follow=true` that ends with the execution.
@Suite struct ExecutionLogTests {
    /// A server whose execution #1 has a real log holding a secret the server knows.
    static func server(_ log: String) async throws -> TestServer {
        var server = try await TestServer.make()
        try await server.logExecution(log, at: server.fixture.folder.appendingPathComponent("1.log").path)
        server.secrets = { _ in ["hunter2"] }
        return server
    }

    static let log = "2026-01-01T00:00:00.000Z [kiln] start\n2026-01-01T00:00:01.000Z [install] password hunter2 used\n"

    @Test func theLogIsPlainTextWithSecretsMasked() async throws {
        let server = try await Self.server(Self.log)
        let response = try await server.withClient {
            try await $0.execute(uri: "/api/image-builds/busybox/executions/1/log", method: .get)
        }
        #expect(response.status == .ok)
        #expect(response.headers[.contentType] == "text/plain; charset=utf-8")
        #expect(response.text.contains("password ************ used"))
        #expect(!response.text.contains("hunter2"))
        #expect(response.text.hasPrefix("2026-01-01T00:00:00.000Z [kiln] start\n"))
    }

    @Test func aRangeOfTheMaskedText() async throws {
        let server = try await Self.server(Self.log)
        let masked = Self.log.replacingOccurrences(of: "hunter2", with: "************")
        try await server.withClient { client in
            let part = try await client.execute(
                uri: "/api/image-builds/busybox/executions/1/log", method: .get,
                headers: [.range: "bytes=0-9"])
            #expect(part.status == .partialContent)
            #expect(part.text == String(masked.prefix(10)))
            #expect(part.headers[.contentRange] == "bytes 0-9/\(masked.utf8.count)")
            let past = try await client.execute(
                uri: "/api/image-builds/busybox/executions/1/log", method: .get,
                headers: [.range: "bytes=100000-"])
            #expect(past.status == .rangeNotSatisfiable)
        }
    }

    @Test func followingAFinishedExecutionEndsWithTheLog() async throws {
        let server = try await Self.server(Self.log)
        let response = try await server.withClient {
            try await $0.execute(uri: "/api/image-builds/1/executions/1/log?follow=true", method: .get)
        }
        #expect(response.status == .ok)
        #expect(response.text == Self.log.replacingOccurrences(of: "hunter2", with: "************"))
    }

    /// A running execution's log is followed as it grows, and the stream ends when the execution does.
    @Test func followingARunningExecutionStreamsUntilItEnds() async throws {
        let server = try await TestServer.make()
        let catalog = server.fixture.catalog
        let model = server.model
        let path = server.fixture.folder.appendingPathComponent("3.log").path
        FileManager.default.createFile(atPath: path, contents: Data("line 1\n".utf8))
        var execution = try #require(try await catalog.state().executions["busybox"]?.first { $0.buildNumber == 3 })
        execution.logPath = path
        try await catalog.saveExecution(execution)
        try await server.refresh()
        let running = execution
        let finisher = Task {
            var execution = running
            // Grow the log and finish the execution while the client follows; the read model sees it as the
            // server's refresher would.
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data("line 2\nline 3".utf8))
            try handle.close()
            execution.status = .success
            execution.endDate = Date()
            try await catalog.saveExecution(execution)
            try await model.refresh()
        }
        let response = try await server.withClient {
            try await $0.execute(uri: "/api/image-builds/busybox/executions/3/log?follow=true", method: .get)
        }
        try await finisher.value
        #expect(response.status == .ok)
        #expect(response.text == "line 1\nline 2\nline 3")
    }

    @Test func unknownExecutionsAre404() async throws {
        let server = try await TestServer.make()
        try await server.withClient { client in
            let missing = try await client.execute(uri: "/api/image-builds/busybox/executions/42/log", method: .get)
            #expect(missing.status == .notFound)
            #expect(try missing.json()["code"] as? String == "execution-not-found")
            let build = try await client.execute(uri: "/api/image-builds/nope/executions/1/log", method: .get)
            #expect(try build.json()["code"] as? String == "image-build-not-found")
        }
    }

    /// Another host's answers, as a fleet replica's ``RemoteLogSource`` gets them: what it was asked, and a fixed log.
    final class OtherHost: RemoteLogSource {
        let asked = Mutex<[(follow: Bool, range: String?)]>([])
        let text: String

        init(text: String) { self.text = text }

        func log(of execution: ExecutionRecord, follow: Bool, range: String?) async throws -> RemoteLog? {
            asked.withLock { $0.append((follow, range)) }
            let (body, continuation) = AsyncThrowingStream.makeStream(of: ByteBuffer.self)
            // In two pieces, the cut inside a line: the replica masks whole lines.
            let bytes = Array(text.utf8)
            continuation.yield(ByteBuffer(bytes: bytes[..<50]))
            continuation.yield(ByteBuffer(bytes: bytes[50...]))
            continuation.finish()
            return RemoteLog(
                status: range == nil ? 200 : 206,
                headers: [
                    "content-type": "text/plain; charset=utf-8",
                    "content-range": range.map { _ in "bytes 0-9/99" } ?? ""
                ]
                .filter { !$0.value.isEmpty },
                body: body, host: "b")
        }
    }

    @Test func aLogOnAnotherHostIsThatHostsAnswerPassedOnMaskedAgain() async throws {
        var server = try await TestServer.make()
        var execution = try #require(
            try await server.fixture.catalog.state().executions["busybox"]?.first { $0.buildNumber == 1 })
        execution.logPath = "/var/lib/kiln-b/logs/busybox/1.log"
        try await server.fixture.catalog.saveExecution(execution)
        server.secrets = { _ in ["hunter2"] }
        let other = OtherHost(text: Self.log)
        server.remoteLogs = other
        try await server.withClient { client in
            let whole = try await client.execute(uri: "/api/image-builds/busybox/executions/1/log", method: .get)
            #expect(whole.status == .ok)
            #expect(whole.text == Self.log.replacingOccurrences(of: "hunter2", with: "************"))
            let part = try await client.execute(
                uri: "/api/image-builds/busybox/executions/1/log", method: .get, headers: [.range: "bytes=0-9"])
            #expect(part.status == .partialContent)
            #expect(part.headers[.contentRange] == "bytes 0-9/99")
            _ = try await client.execute(uri: "/api/image-builds/busybox/executions/1/log?follow=true", method: .get)
        }
        let asked = other.asked.withLock { $0 }
        #expect(asked.map { $0.follow } == [false, false, true])
        #expect(asked.map { $0.range } == [nil, "bytes=0-9", nil])
    }

    @Test func aLogHereIsNeverAskedOfAnotherHost() async throws {
        var server = try await Self.server(Self.log)
        let other = OtherHost(text: "not this one\n")
        server.remoteLogs = other
        let response = try await server.withClient {
            try await $0.execute(uri: "/api/image-builds/busybox/executions/1/log", method: .get)
        }
        #expect(response.text.hasPrefix("2026-01-01T00:00:00.000Z [kiln] start\n"))
        #expect(other.asked.withLock { $0.isEmpty })
    }
}
