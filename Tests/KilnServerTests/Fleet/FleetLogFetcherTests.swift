import Foundation
import Hummingbird
import HummingbirdTesting
import KilnCatalog
import KilnServer
import Testing

/// A replica asking the host that ran a build for its log, through that host's real log route on 127.0.0.1 with the
/// fleet token: the whole log or a range of it, secrets masked by the host that has them; a wrong token's refusal
/// passed on; nothing asked for a log that is this host's own or no host's.
@Suite struct FleetLogFetcherTests {
    static let token = "fleet-5d1e"
    static let log =
        "2026-01-01T00:00:00.000Z [kiln] execution 1 of busybox\n2026-01-01T00:00:01.000Z [install] hunter2\n"

    /// Host b: a server that asks for API tokens, with execution #1's log in its data dir, and who holds what.
    static func hostB() async throws -> (TestServer, ExecutionRecord, String) {
        var server = try await TestServer.make(tokens: ["api-token"]) { $0.fleetToken = token }
        let dataDir = server.fixture.folder.appendingPathComponent("data-b").path
        let execution = try await server.logExecution(log, at: "\(dataDir)/logs/busybox/1.log")
        server.secrets = { _ in ["hunter2"] }
        return (server, execution, dataDir)
    }

    /// Host a's view of the fleet: itself, and b at `address` with `dataDir`.
    static func fleet(address: String, dataDir: String) async -> FleetStatus {
        let status = FleetStatus(leadership: Leadership(host: "a", lease: .seconds(15)))
        let now = Date()
        func host(_ name: String, _ address: String, _ dataDir: String) -> HostRecord {
            HostRecord(
                name: name, address: address, cpus: 2, memoryBytes: 1 << 30, diskFreeBytes: 1 << 30, kvm: false,
                labels: [], version: "t", dataDir: dataDir, leaseSeconds: 15, startedAt: now, heartbeatAt: now)
        }
        await status.update(
            FleetHosts(hosts: [host("a", "http://127.0.0.1:1", "/srv/kiln-a"), host("b", address, dataDir)], now: now))
        return status
    }

    static func text(_ answer: RemoteLog) async throws -> String {
        var bytes: [UInt8] = []
        for try await chunk in answer.body { bytes += chunk.readableBytesView }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func theHostThatRanTheBuildAnswersWithItsLogMasked() async throws {
        let (server, execution, dataDir) = try await Self.hostB()
        let app = Application(
            router: server.queryServer.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let fleet = await Self.fleet(address: "http://127.0.0.1:\(port)", dataDir: dataDir)
            let fetcher = FleetLogFetcher(fleet: fleet, localHost: "a", token: Self.token)

            let whole = try #require(try await fetcher.log(of: execution, follow: false, range: nil))
            #expect(whole.status == 200 && whole.host == "b")
            #expect(try await Self.text(whole) == Self.log.replacingOccurrences(of: "hunter2", with: "************"))

            let part = try #require(try await fetcher.log(of: execution, follow: false, range: "bytes=0-9"))
            #expect(part.status == 206)
            #expect(part.headers["content-range"]?.hasPrefix("bytes 0-9/") == true)
            #expect(try await Self.text(part) == String(Self.log.prefix(10)))

            let wrong = FleetLogFetcher(fleet: fleet, localHost: "a", token: "not-the-token")
            let refused = try #require(try await wrong.log(of: execution, follow: false, range: nil))
            #expect(refused.status == 401)

            // A log under this host's own data dir, or under no host's, is asked of nobody.
            var own = execution
            own.logPath = "/srv/kiln-a/logs/busybox/1.log"
            #expect(try await fetcher.log(of: own, follow: false, range: nil) == nil)
            var nowhere = execution
            nowhere.logPath = "/elsewhere/1.log"
            #expect(try await fetcher.log(of: nowhere, follow: false, range: nil) == nil)
        }
    }
}
