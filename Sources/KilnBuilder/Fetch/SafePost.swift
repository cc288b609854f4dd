import AsyncHTTPClient
import Foundation
import KilnSpec
import NIOCore

/// POSTs a JSON body to a URL under the download rules: http(s) only, no credentials, every address the host resolves
/// to checked (never link-local, metadata or otherwise refused), the connection pinned to the checked address, each
/// redirect judged the same way before it is followed, and a deadline on the whole exchange. What VM callbacks use.
public struct SafePost: Sendable {
    public var timeout: Duration
    public var maxRedirects: Int

    public init(timeout: Duration = .seconds(10), maxRedirects: Int = 3) {
        self.timeout = timeout
        self.maxRedirects = maxRedirects
    }

    /// The HTTP status of the final answer. Throws ``BuildError/urlRefused(url:reason:)`` for a URL or redirect the
    /// rules refuse (retrying cannot help), and other errors for what may work next time.
    public func post(_ text: String, json: String) async throws(BuildError) -> Int {
        var url: URL
        switch SafeURL.check(text) {
        case .success(let checked): url = checked
        case .failure(let error): throw .urlRefused(url: text, reason: error.message)
        }
        let deadline = ContinuousClock.now + timeout
        for _ in 0...maxRedirects {
            switch try await exchange(url, json: json, deadline: deadline) {
            case .answered(let status): return status
            case .redirect(let location): url = try RedirectTarget.resolve(location: location, from: url).get()
            }
        }
        throw .tooManyRedirects(url: text, limit: maxRedirects)
    }

    private enum Hop {
        case answered(Int)
        case redirect(String)
    }

    private func exchange(_ url: URL, json: String, deadline: ContinuousClock.Instant) async throws(BuildError) -> Hop {
        let shown = url.absoluteString
        guard let host = url.host else { throw .urlRefused(url: shown, reason: "the URL has no host") }
        let pinned = try await AddressResolver.resolveChecked(host: host)
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(10), read: .seconds(10)),
            decompression: .disabled)
        configuration.dnsOverride = [host: pinned]
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        let result: Result<Hop, BuildError>
        do {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else {
                throw BuildError.downloadTimedOut(url: shown, seconds: timeout.components.seconds)
            }
            var request = HTTPClientRequest(url: shown)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "User-Agent", value: "kiln")
            request.body = .bytes(ByteBuffer(string: json))
            let (seconds, attoseconds) = remaining.components
            let response = try await client.execute(
                request, timeout: .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000))
            // Read a little of the answer (a listener may stream), never all of it.
            _ = try? await response.body.collect(upTo: 64 << 10)
            switch response.status.code {
            case 301, 302, 303, 307, 308:
                guard let location = response.headers.first(name: "Location") else {
                    throw BuildError.downloadFailed(
                        url: shown, reason: "HTTP \(response.status.code) without a Location")
                }
                result = .success(.redirect(location))
            default:
                result = .success(.answered(Int(response.status.code)))
            }
        } catch let error as BuildError {
            result = .failure(error)
        } catch {
            if let client = error as? HTTPClientError, client == .deadlineExceeded || client == .readTimeout {
                result = .failure(.downloadTimedOut(url: shown, seconds: timeout.components.seconds))
            } else {
                result = .failure(.downloadFailed(url: shown, reason: String(describing: error)))
            }
        }
        try? await client.shutdown()
        return try result.get()
    }
}
