import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KilnCatalog
import KilnDrivers
import KilnServer
import Logging
import NIOCore
import Synchronization
import Testing

/// A host fetching another host's artifact through the real download endpoint on 127.0.0.1, with the fleet token:
/// resumed with `Range` after a cut, refused on a wrong byte, refused without the token.
@Suite struct ArtifactFetchTests {
    static let token = "fleet-7b3c9e1d"
    static let size = 2 << 20

    /// The fixture's busybox image as a real 2 MiB file, the catalog recording its sha256.
    static func server() async throws -> (TestServer, [UInt8], String) {
        let server = try await TestServer.make { $0.fleetToken = token }
        let bytes = (0..<size).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 13) }
        let path = server.fixture.folder.appendingPathComponent("busybox-1.qcow2").path
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let sha256 = SHA256.hash(data: bytes).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        var image = try #require(try await server.fixture.catalog.state().images["busybox"])
        image.path = path
        image.sha256 = sha256
        _ = try await server.fixture.catalog.saveImage(image)
        return (server, bytes, sha256)
    }

    /// Runs `body` with the server listening on 127.0.0.1 behind `tap`, and a fetcher caching under a fresh folder.
    static func live(
        _ server: TestServer, tap: DownloadTap, token: String? = token,
        _ body: @Sendable (ArtifactFetcher, String, String) async throws -> Void
    ) async throws {
        let cacheDir = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-fetch-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: cacheDir) }
        let responder = TappedResponder(inner: server.queryServer.router().buildResponder(), tap: tap)
        let app = Application(responder: responder, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let fetcher = ArtifactFetcher(
                cache: ArtifactCache(dataDir: cacheDir.path), token: token.map(FleetToken.init(value:)),
                options: .init(
                    attempts: 3, connectTimeout: .seconds(10), readTimeout: .seconds(30), deadline: .seconds(120)),
                logger: Logger(label: "test"))
            try await body(fetcher, "http://127.0.0.1:\(port)", cacheDir.path)
        }
    }

    @Test func aCutTransferResumesFromTheBytesItHolds() async throws {
        let (server, bytes, sha256) = try await Self.server()
        let cut = 700_000
        let tap = DownloadTap(cutFirstAfter: cut)
        try await Self.live(server, tap: tap) { fetcher, address, _ in
            let fetched = try await fetcher.fetch(image: "busybox", sha256: sha256, owner: "b", address: address)
            #expect(try Data(contentsOf: URL(fileURLWithPath: fetched.path)) == Data(bytes))
            #expect(fetched.path.hasSuffix("/artifact-cache/sha256/\(sha256)"))
            let requests = tap.requests
            #expect(requests.count == 2)
            #expect(requests.first?.range == nil)
            // The second request asks from the bytes the first delivered, and only the rest is sent again.
            let resumedFrom = try #require(fetched.requestedOffsets.last)
            #expect(fetched.requestedOffsets.count == 2)
            #expect(resumedFrom > 0 && resumedFrom <= Int64(cut))
            #expect(requests.last?.range == "bytes=\(resumedFrom)-")
            #expect(requests.last?.sent == Self.size - Int(resumedFrom))
            #expect(requests.map(\.sent).reduce(0, +) <= Self.size + cut)
            // Fetched once: the next use is the cache, with no request.
            let again = try await fetcher.fetch(image: "busybox", sha256: sha256, owner: "b", address: address)
            #expect(again.requestedOffsets.isEmpty)
            #expect(tap.requests.count == 2)
        }
    }

    @Test func aWrongByteIsRefusedNamingTheImageAndBothHashes() async throws {
        let (server, bytes, sha256) = try await Self.server()
        var damaged = bytes
        damaged[1_234_567] ^= 0x01
        let path = try #require(try await server.fixture.catalog.state().images["busybox"]?.path)
        FileManager.default.createFile(atPath: path, contents: Data(damaged))
        let actual = SHA256.hash(data: damaged).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        try await Self.live(server, tap: DownloadTap()) { fetcher, address, cacheDir in
            do {
                _ = try await fetcher.fetch(image: "busybox", sha256: sha256, owner: "b", address: address)
                Issue.record("a file whose sha256 differs from the catalog's must be refused")
            } catch let error as ArtifactFetchError {
                #expect(error.isHashMismatch)
                let text = error.description
                #expect(text.contains("image busybox"))
                #expect(text.contains("host b"))
                #expect(text.contains(sha256) && text.contains(actual))
            }
            // Nothing of it is kept: not as the cached file, not as a partial one to resume.
            let left = (try? FileManager.default.contentsOfDirectory(atPath: cacheDir + "/artifact-cache/sha256")) ?? []
            #expect(left.isEmpty)
        }
    }

    @Test func theDownloadRequiresTheFleetTokenAndNothingElseDoes() async throws {
        let (server, _, sha256) = try await Self.server()
        let tap = DownloadTap()
        try await Self.live(server, tap: tap, token: "not-the-token") { fetcher, address, _ in
            do {
                _ = try await fetcher.fetch(image: "busybox", sha256: sha256, owner: "b", address: address)
                Issue.record("a wrong fleet token must be refused")
            } catch let error as ArtifactFetchError {
                #expect(error.description.contains("HTTP 401"))
                #expect(error.description.contains("--fleet-token-file"))
                #expect(!error.description.contains("not-the-token"))
            }
            // Refused once, not retried: a wrong token does not get better.
            #expect(tap.requests.count == 1)
        }
        try await server.withClient { client in
            let open = try await client.execute(uri: "/kiln/v1/sync", method: .get)
            #expect(open.status == .ok)
            let refused = try await client.execute(uri: "/kiln/v1/images/busybox/download", method: .get)
            #expect(refused.status == .unauthorized)
            let allowed = try await client.execute(
                uri: "/kiln/v1/images/busybox/download", method: .get,
                headers: [.authorization: "Bearer \(Self.token)"])
            #expect(allowed.status == .ok)
            #expect(allowed.body.readableBytes == Self.size)
        }
    }

    @Test func withAPITokensTheFleetTokenOpensOnlyDownloadsAndExecutionLogs() async throws {
        let server = try await TestServer.make(tokens: ["api-token"]) { $0.fleetToken = Self.token }
        try await server.withClient { client in
            let fleet: HTTPFields = [.authorization: "Bearer \(Self.token)"]
            let api: HTTPFields = [.authorization: "Bearer api-token"]
            // The fixture's image has no file: past the token, the answer is the endpoint's own 404.
            let download = try await client.execute(
                uri: "/kiln/v1/images/busybox/download", method: .get, headers: fleet)
            #expect(download.status != .unauthorized)
            let byAPI = try await client.execute(uri: "/kiln/v1/images/busybox/download", method: .get, headers: api)
            #expect(byAPI.status != .unauthorized)
            // An execution's log, which another replica passes on for a build that ran here.
            let log = try await client.execute(
                uri: "/api/image-builds/busybox/executions/1/log", method: .get, headers: fleet)
            #expect(log.status != .unauthorized)
            let other = try await client.execute(uri: "/kiln/v1/sync", method: .get, headers: fleet)
            #expect(other.status == .unauthorized)
            let build = try await client.execute(uri: "/api/image-builds/busybox", method: .get, headers: fleet)
            #expect(build.status == .unauthorized)
            let nested = try await client.execute(
                uri: "/kiln/v1/images/busybox/download/x", method: .get, headers: fleet)
            #expect(nested.status == .unauthorized)
        }
    }
}

/// What the download endpoint was asked and sent, and a cut of the first answer after some bytes.
final class DownloadTap: Sendable {
    struct Seen: Sendable {
        var range: String?
        var sent: Int
    }

    private let state: Mutex<(seen: [Seen], cut: Int?)>

    init(cutFirstAfter cut: Int? = nil) {
        state = Mutex((seen: [], cut: cut))
    }

    var requests: [Seen] { state.withLock { $0.seen } }

    /// Records a request; returns its index and the bytes after which to cut its answer.
    func begin(range: String?) -> (Int, Int?) {
        state.withLock { state in
            state.seen.append(Seen(range: range, sent: 0))
            let cut = state.cut
            state.cut = nil
            return (state.seen.count - 1, cut)
        }
    }

    func sent(_ count: Int, at index: Int) {
        state.withLock { $0.seen[index].sent += count }
    }
}

/// The server's responder with downloads counted (and cut, once) on their way out: the bytes really sent.
struct TappedResponder<Inner: HTTPResponder>: HTTPResponder where Inner.Context == KilnRequestContext {
    typealias Context = KilnRequestContext
    let inner: Inner
    let tap: DownloadTap

    func respond(to request: Request, context: Context) async throws -> Response {
        guard request.uri.path.hasSuffix("/download") else {
            return try await inner.respond(to: request, context: context)
        }
        let (index, cut) = tap.begin(range: request.headers[.range])
        var response = try await inner.respond(to: request, context: context)
        let body = response.body
        let tap = tap
        response.body = ResponseBody(contentLength: body.contentLength) { writer in
            try await body.write(CountingWriter(inner: writer, tap: tap, index: index, cutAfter: cut))
        }
        return response
    }
}

struct CutTransfer: Error {}

struct CountingWriter: ResponseBodyWriter {
    var inner: any ResponseBodyWriter
    let tap: DownloadTap
    let index: Int
    var cutAfter: Int?

    mutating func write(_ buffer: ByteBuffer) async throws {
        guard let left = cutAfter else {
            try await inner.write(buffer)
            tap.sent(buffer.readableBytes, at: index)
            return
        }
        if buffer.readableBytes < left {
            try await inner.write(buffer)
            tap.sent(buffer.readableBytes, at: index)
            cutAfter = left - buffer.readableBytes
            return
        }
        if left > 0, let head = buffer.getSlice(at: buffer.readerIndex, length: left) {
            try await inner.write(head)
            tap.sent(left, at: index)
        }
        // The connection drops with the answer incomplete.
        throw CutTransfer()
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        try await inner.finish(trailingHeaders)
    }
}
