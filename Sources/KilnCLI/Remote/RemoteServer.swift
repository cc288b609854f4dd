import AsyncHTTPClient
import Foundation
import KilnSpec
import NIOCore

/// A running `kiln serve`, asked over HTTP: JSON answers, and streams (`/kiln/v1/events`, a log with
/// `?follow=true`) read as they arrive. Streams have no read timeout: a quiet build step may write nothing for minutes.
struct RemoteServer: Sendable {
    struct Endpoint: Sendable {
        var base: String
        var token: String?
    }

    let endpoint: Endpoint
    let client: HTTPClient

    /// Runs `body` with a client for `endpoint`, shut down afterwards whatever happens.
    static func with<T: Sendable>(_ endpoint: Endpoint, _ body: (RemoteServer) async throws -> T) async throws -> T {
        let client = HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup,
            configuration: .init(
                redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10), read: nil),
                decompression: .disabled))
        do {
            let result = try await body(RemoteServer(endpoint: endpoint, client: client))
            try? await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// Starts a GET and returns once the answer's head is in; a non-2xx answer throws a ``RemoteError`` that carries
    /// the server's own message.
    func open(
        _ path: String, accept: String = "application/json", headers extra: [(String, String)] = []
    ) async throws
        -> HTTPClientResponse
    {
        var request = HTTPClientRequest(url: endpoint.base + path)
        request.headers.add(name: "Accept", value: accept)
        request.headers.add(name: "User-Agent", value: "kiln/\(KilnVersion.current)")
        if let token = endpoint.token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        for (name, value) in extra { request.headers.add(name: name, value: value) }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, deadline: .distantFuture)
        } catch {
            throw RemoteError.unreachable(endpoint.base, error)
        }
        guard (200..<300).contains(response.status.code) else {
            let body = try? await response.body.collect(upTo: 1 << 20)
            let text = body.map { String(buffer: $0) } ?? ""
            throw RemoteError.answer(
                path: path, status: Int(response.status.code),
                message: SpecValue(json: text)?["message"]?.string ?? text)
        }
        return response
    }

    /// A JSON answer, read whole (at most 256 MiB).
    func json(_ path: String) async throws -> SpecValue {
        let response = try await open(path)
        let body = try await response.body.collect(upTo: 256 << 20)
        guard let value = SpecValue(json: String(buffer: body)) else { throw RemoteError.notJSON(path) }
        return value
    }

    /// A path segment for a name (names are validated, but a user may type anything on the command line).
    static func segment(_ text: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#;%")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

/// What went wrong asking a server, said so that the user knows what to do.
struct RemoteError: Error, CustomStringConvertible {
    let description: String
    /// The server answered 404: the object does not exist (exit code 1, like a missing object in the data dir).
    let notFound: Bool

    static func unreachable(_ base: String, _ error: any Error) -> RemoteError {
        RemoteError(
            description: "cannot reach kiln serve at \(base) (\(error)); is it running, and is --server right?",
            notFound: false)
    }

    static func answer(path: String, status: Int, message: String) -> RemoteError {
        let text = message.trimmingCharacters(in: .whitespacesAndNewlines)
        let hint = status == 401 ? " (give --token-file with one of the server's tokens)" : ""
        return RemoteError(
            description: "the server answered \(status) to GET \(path): \(text.isEmpty ? "no message" : text)\(hint)",
            notFound: status == 404)
    }

    static func notJSON(_ path: String) -> RemoteError {
        RemoteError(
            description: "the server's answer to GET \(path) is not JSON; is --server a kiln serve?", notFound: false)
    }
}
