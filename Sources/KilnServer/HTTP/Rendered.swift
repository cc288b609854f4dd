import Crypto
import Foundation
import Hummingbird
import KilnSpec

/// An answer rendered once: status, content type, body bytes and an ETag computed from those bytes. Equal state gives
/// equal bytes (JSON keys are sorted), so equal state gives an equal ETag and a client's `If-None-Match` gets 304.
public struct Rendered: Sendable {
    public var status: HTTPResponse.Status
    public var contentType: String
    public var body: ByteBuffer
    public var etag: String
    public var headers: HTTPFields

    public init(status: HTTPResponse.Status = .ok, contentType: String, body: ByteBuffer, headers: HTTPFields = [:]) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.headers = headers
        let digest = SHA256.hash(data: body.readableBytesView)
        etag = "\"" + digest.prefix(16).map { String(format: "%02x", $0) }.joined() + "\""
    }

    /// JSON with sorted keys: compact for the seed APIs (as their servers send), indented for Kiln's own.
    public static func json(_ value: SpecValue, status: HTTPResponse.Status = .ok, pretty: Bool = false) -> Rendered {
        let text = pretty ? value.prettyJSON + "\n" : value.canonicalJSON
        return Rendered(status: status, contentType: "application/json", body: ByteBuffer(string: text))
    }

    public static func xml(_ text: String, status: HTTPResponse.Status = .ok) -> Rendered {
        Rendered(status: status, contentType: "application/xml", body: ByteBuffer(string: text))
    }

    public static func text(
        _ text: String, status: HTTPResponse.Status = .ok, contentType: String = "text/plain; charset=utf-8"
    ) -> Rendered {
        Rendered(status: status, contentType: contentType, body: ByteBuffer(string: text))
    }

    /// The response to `request`: 304 without a body when its `If-None-Match` names this ETag.
    public func response(to request: Request) -> Response {
        var fields = headers
        fields[.contentType] = contentType
        fields[.cacheControl] = "no-cache"
        fields[.eTag] = etag
        if status == .ok, let match = request.headers[.ifNoneMatch], Self.matches(match, etag) {
            fields[.contentType] = nil
            return Response(status: .notModified, headers: fields)
        }
        fields[.contentLength] = String(body.readableBytes)
        return Response(status: status, headers: fields, body: .init(byteBuffer: body))
    }

    /// Whether an `If-None-Match` header names `etag` (weak comparison, as RFC 9110 §13.1.2 asks, and `*`).
    static func matches(_ header: String, _ etag: String) -> Bool {
        header.split(separator: ",").contains { candidate in
            var tag = candidate.trimmingCharacters(in: .whitespaces)
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag.removeFirst(2) }
            return tag == etag
        }
    }
}
