import AsyncHTTPClient
import Foundation
import KilnSpec
import NIOCore

/// Downloads one URL to a file while hashing it, with the limits of ``BuildLimits``.
///
/// Redirects are followed here, not by the HTTP client, so each hop is checked again: the URL with
/// ``SafeURL/check(_:)``, and every address its host resolves to with ``AddressPolicy``. Each hop connects to the
/// address that was checked (the client's DNS override pins it), so the host cannot resolve differently between
/// the check and the connection. No proxy is used and content is not decoded: the bytes hashed are the bytes sent.
struct HTTPDownloader: Sendable {
    var limits: BuildLimits

    struct Download: Sendable, Hashable {
        var digest: String
        var bytes: Int64
        /// The URL the bytes came from, after redirects.
        var finalURL: String
    }

    func download(_ text: String, to path: String, algorithm: Checksum.Algorithm) async throws(BuildError) -> Download {
        var url: URL
        switch SafeURL.check(text) {
        case .success(let checked): url = checked
        case .failure(let error): throw .urlRefused(url: text, reason: error.message)
        }
        let deadline = ContinuousClock.now + limits.downloadTimeout
        for _ in 0...limits.maxRedirects {
            switch try await fetch(url, to: path, algorithm: algorithm, deadline: deadline) {
            case .body(let digest, let bytes):
                return Download(digest: digest, bytes: bytes, finalURL: url.absoluteString)
            case .redirect(let location):
                url = try RedirectTarget.resolve(location: location, from: url).get()
            }
        }
        throw .tooManyRedirects(url: text, limit: limits.maxRedirects)
    }

    private enum Hop {
        case body(digest: String, bytes: Int64)
        case redirect(String)
    }

    private func fetch(
        _ url: URL, to path: String, algorithm: Checksum.Algorithm, deadline: ContinuousClock.Instant
    )
        async throws(BuildError) -> Hop
    {
        let shown = url.absoluteString
        guard let host = url.host else { throw .urlRefused(url: shown, reason: "the URL has no host") }
        let pinned = try await AddressResolver.resolveChecked(host: host)
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(15), read: .seconds(60)),
            decompression: .disabled)
        configuration.dnsOverride = [host: pinned]
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        let result: Result<Hop, BuildError>
        do {
            result = .success(try await exchange(client, url: url, to: path, algorithm: algorithm, deadline: deadline))
        } catch let error as BuildError {
            result = .failure(error)
        } catch {
            result = .failure(translate(error, url: shown))
        }
        try? await client.shutdown()
        if Task.isCancelled { throw .cancelled }
        return try result.get()
    }

    private func exchange(
        _ client: HTTPClient, url: URL, to path: String, algorithm: Checksum.Algorithm,
        deadline: ContinuousClock.Instant
    ) async throws -> Hop {
        let shown = url.absoluteString
        var request = HTTPClientRequest(url: shown)
        request.method = .GET
        request.headers.add(name: "User-Agent", value: "kiln-builder")
        request.headers.add(name: "Accept-Encoding", value: "identity")
        let remaining = ContinuousClock.now.duration(to: deadline)
        guard remaining > .zero else {
            throw BuildError.downloadTimedOut(url: shown, seconds: limits.downloadTimeout.components.seconds)
        }
        let response = try await client.execute(request, timeout: .nanoseconds(Self.nanoseconds(remaining)))
        switch response.status.code {
        case 301, 302, 303, 307, 308:
            guard let location = response.headers.first(name: "Location") else {
                throw BuildError.downloadFailed(url: shown, reason: "HTTP \(response.status.code) without a Location")
            }
            return .redirect(location)
        case 200:
            break
        default:
            throw BuildError.downloadFailed(
                url: shown, reason: "the server answered HTTP \(response.status.code) \(response.status.reasonPhrase)")
        }
        if let length = response.headers.first(name: "Content-Length").flatMap(Int64.init),
            length > limits.maxDownloadBytes
        {
            throw BuildError.downloadTooLarge(url: shown, limit: limits.maxDownloadBytes)
        }
        let file = try DownloadFile(path: path)
        var hasher = StreamingHasher(algorithm)
        var total: Int64 = 0
        for try await buffer in response.body {
            total += Int64(buffer.readableBytes)
            if total > limits.maxDownloadBytes {
                throw BuildError.downloadTooLarge(url: shown, limit: limits.maxDownloadBytes)
            }
            if ContinuousClock.now > deadline {
                throw BuildError.downloadTimedOut(url: shown, seconds: limits.downloadTimeout.components.seconds)
            }
            try buffer.withUnsafeReadableBytes { (raw) throws(BuildError) in
                hasher.update(raw)
                try file.write(raw)
            }
        }
        try file.finish()
        return .body(digest: hasher.finalize(), bytes: total)
    }

    private func translate(_ error: any Error, url: String) -> BuildError {
        if Task.isCancelled { return .cancelled }
        if let client = error as? HTTPClientError, client == .deadlineExceeded {
            return .downloadTimedOut(url: url, seconds: limits.downloadTimeout.components.seconds)
        }
        return .downloadFailed(url: url, reason: String(describing: error))
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
