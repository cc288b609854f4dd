import AsyncHTTPClient
import Foundation
import KilnBuilder
import Logging
import NIOCore

/// Fetches an Image's artifact from the host that made it, through that host's download endpoint
/// (`GET /kiln/v1/images/NAME/download` with the fleet token as a Bearer token), into this host's ``ArtifactCache``.
///
/// A cut transfer resumes from the bytes held, with `Range: bytes=N-` and `If-Range` naming the sha256 the catalog
/// records (the endpoint's ETag), so that bytes of another version are never appended. The whole file is checked
/// against that sha256 before it is used: a mismatch is refused with both hashes and the partial file deleted. Only
/// then is it renamed into the cache. Concurrent fetches of one artifact in a process share one transfer.
public actor ArtifactFetcher {
    /// Limits of one fetch. Every wait is bounded: the connection, each read, and the whole fetch.
    public struct Options: Sendable {
        /// Cuts or refusals in a row without a byte of progress before giving up.
        public var attempts: Int
        public var connectTimeout: Duration
        /// How long the body may stall before the transfer counts as cut.
        public var readTimeout: Duration
        /// The whole fetch, all attempts together.
        public var deadline: Duration

        public init(
            attempts: Int = 5, connectTimeout: Duration = .seconds(10), readTimeout: Duration = .seconds(60),
            deadline: Duration = .seconds(3600)
        ) {
            self.attempts = attempts
            self.connectTimeout = connectTimeout
            self.readTimeout = readTimeout
            self.deadline = deadline
        }
    }

    /// A fetched, checked artifact.
    public struct Fetched: Sendable, Hashable {
        /// Its file in the cache.
        public var path: String
        public var bytes: Int64
        /// The byte each request started from, in order (0: the whole file); more than one after a cut.
        public var requestedOffsets: [Int64]
    }

    public nonisolated let cache: ArtifactCache
    let token: FleetToken?
    let options: Options
    let logger: Logger
    private var inFlight: [String: Task<Fetched, any Error>] = [:]

    public init(cache: ArtifactCache, token: FleetToken?, options: Options = Options(), logger: Logger) {
        self.cache = cache
        self.token = token
        self.options = options
        self.logger = logger
    }

    /// The artifact of `image`, whose sha256 the catalog records as `sha256`, fetched from host `owner` whose API
    /// answers at `address` (`http://HOST:PORT`); at once when the cache holds it.
    public func fetch(
        image: String, sha256: String, owner: String, address: String
    )
        async throws(ArtifactFetchError) -> Fetched
    {
        guard let final = cache.path(sha256: sha256), let partial = cache.partialPath(sha256: sha256) else {
            throw ArtifactFetchError(.badDigest(sha256), image: image, owner: owner)
        }
        if FileManager.default.fileExists(atPath: final) {
            return Fetched(path: final, bytes: PartialFile.length(final), requestedOffsets: [])
        }
        let task: Task<Fetched, any Error>
        if let running = inFlight[sha256] {
            task = running
        } else {
            let transfer = Transfer(
                image: image, sha256: sha256, owner: owner, address: address, final: final, partial: partial,
                folder: cache.folder, token: token, options: options, logger: logger)
            task = Task { try await transfer.run() }
            inFlight[sha256] = task
        }
        defer { inFlight[sha256] = nil }
        do {
            return try await task.value
        } catch let error as ArtifactFetchError {
            throw error
        } catch {
            throw ArtifactFetchError(.unreachable(reason: String(describing: error)), image: image, owner: owner)
        }
    }
}

/// One fetch's requests, from the first to the renamed, checked file.
private struct Transfer: Sendable {
    var image: String
    var sha256: String
    var owner: String
    var address: String
    var final: String
    var partial: String
    var folder: String
    var token: FleetToken?
    var options: ArtifactFetcher.Options
    var logger: Logger

    private func failure(_ code: ArtifactFetchError.Code) -> ArtifactFetchError {
        ArtifactFetchError(code, image: image, owner: owner)
    }

    var url: String {
        let base = address.hasSuffix("/") ? String(address.dropLast()) : address
        let name = image.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? image
        return "\(base)/kiln/v1/images/\(name)/download"
    }

    func run() async throws -> ArtifactFetcher.Fetched {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw failure(.fileSystem("cannot make the artifact cache \(folder): \(error.localizedDescription)"))
        }
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .init(options.connectTimeout), read: .init(options.readTimeout)),
            decompression: .disabled)
        configuration.httpVersion = .http1Only
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        let result: Result<ArtifactFetcher.Fetched, any Error>
        do {
            result = .success(try await transfer(client))
        } catch {
            result = .failure(error)
        }
        try? await client.shutdown()
        return try result.get()
    }

    private func transfer(_ client: HTTPClient) async throws -> ArtifactFetcher.Fetched {
        let deadline = ContinuousClock.now + options.deadline
        var offsets: [Int64] = []
        var stalled = 0
        var answered = false
        while true {
            try Task.checkCancellation()
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else { throw failure(.timedOut(seconds: options.deadline.components.seconds)) }
            let held = PartialFile.length(partial)
            offsets.append(held)
            logger.info(
                "fetching image \(image)'s artifact from host \(owner)",
                metadata: ["url": "\(url)", "from_byte": "\(held)", "sha256": "\(sha256)"])
            let reason: String
            do {
                switch try await exchange(client, held: held, timeout: remaining) {
                case .done:
                    return try await verify(offsets: offsets)
                case .discarded(let why):
                    answered = true
                    reason = why
                }
            } catch let error as ArtifactFetchError {
                throw error
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                if Task.isCancelled { throw CancellationError() }
                reason = Self.describe(error)
            }
            let now = PartialFile.length(partial)
            if now > held {
                stalled = 0
                logger.notice(
                    "the transfer of image \(image)'s artifact from host \(owner) broke off at byte \(now) (\(reason)); resuming",
                    metadata: ["sha256": "\(sha256)"])
                continue
            }
            stalled += 1
            guard stalled < options.attempts else {
                if !answered && now == 0 && offsets.count == stalled { throw failure(.unreachable(reason: reason)) }
                throw failure(.gaveUp(attempts: stalled, bytes: now, reason: reason))
            }
            // Back off before asking again, doubling from 100 ms, never past the deadline.
            let pause = min(
                Duration.milliseconds(100 << min(stalled - 1, 6)), ContinuousClock.now.duration(to: deadline))
            if pause > .zero { try await Task.sleep(for: pause) }
        }
    }

    private enum Outcome {
        case done
        case discarded(String)
    }

    private func exchange(_ client: HTTPClient, held: Int64, timeout: Duration) async throws -> Outcome {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.headers.add(name: "User-Agent", value: "kiln-fleet")
        request.headers.add(name: "Accept-Encoding", value: "identity")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token.value)") }
        if let range = ResumeDecision.rangeHeader(partialBytes: held) {
            request.headers.add(name: "Range", value: range)
            request.headers.add(name: "If-Range", value: "\"\(sha256)\"")
        }
        let response = try await client.execute(request, timeout: .init(timeout))
        let decision = ResumeDecision.decide(
            partialBytes: held, status: Int(response.status.code),
            contentRange: response.headers.first(name: "Content-Range"),
            contentLength: response.headers.first(name: "Content-Length").flatMap(Int64.init))
        let truncate: Bool
        switch decision {
        case .fail(let status):
            switch status {
            case 401, 403: throw failure(.refused(status: status))
            case 404: throw failure(.notFound)
            default: throw failure(.failed(status: status))
            }
        case .discard(let reason):
            unlink(partial)
            return .discarded(reason)
        case .complete:
            return .done
        case .append:
            truncate = false
        case .restart:
            truncate = true
        }
        let file: PartialFile
        do {
            file = try PartialFile(path: partial, truncate: truncate)
        } catch {
            throw failure(.fileSystem(error.message))
        }
        for try await buffer in response.body {
            do {
                try buffer.withUnsafeReadableBytes { raw throws(PartialFileError) in try file.write(raw) }
            } catch {
                throw failure(.fileSystem(error.message))
            }
        }
        do {
            try file.sync()
        } catch {
            throw failure(.fileSystem(error.message))
        }
        return .done
    }

    private func verify(offsets: [Int64]) async throws -> ArtifactFetcher.Fetched {
        let actual: String
        do {
            actual = try await FileChecksum.computeOffPool(.sha256, path: partial)
        } catch {
            throw failure(.fileSystem("cannot hash \(partial): \(error)"))
        }
        guard actual == sha256 else {
            unlink(partial)
            logger.error(
                "refused image \(image)'s artifact from host \(owner): sha256 \(actual), the catalog records \(sha256)")
            throw failure(.hashMismatch(expected: sha256, actual: actual))
        }
        guard rename(partial, final) == 0 else {
            throw failure(.fileSystem("cannot move \(partial) to \(final): \(PartialFile.errorText())"))
        }
        let bytes = PartialFile.length(final)
        logger.info(
            "fetched image \(image)'s artifact from host \(owner): \(bytes) bytes, sha256 checked",
            metadata: ["path": "\(final)", "requests": "\(offsets.count)"])
        return ArtifactFetcher.Fetched(path: final, bytes: bytes, requestedOffsets: offsets)
    }

    /// A transport error in a line: AsyncHTTPClient's and NIO's errors print as type names otherwise.
    static func describe(_ error: any Error) -> String {
        if let client = error as? HTTPClientError {
            switch client {
            case .remoteConnectionClosed: return "the connection was closed mid-transfer"
            case .readTimeout: return "no byte arrived within the read timeout"
            case .connectTimeout: return "the connection timed out"
            case .deadlineExceeded: return "the deadline passed"
            default: return String(describing: client)
            }
        }
        let text = String(describing: error)
        if text.contains("Connection refused") || text.contains("connectionRefused") {
            return "connection refused: nothing listens there"
        }
        return text
    }
}
