import Foundation
import HTTPTypes
import Hummingbird

/// A file served from disk as it is streamed (never loaded whole), with `Content-Length`, `Range`/206, and its sha256
/// as both `ETag` and `Digest`. The path always comes from the catalog, never from the request.
struct FileAnswer {
    var path: String
    var sha256: String
    /// The name a download is saved under.
    var fileName: String
    var contentType = "application/octet-stream"

    func response(to request: Request, context: KilnRequestContext) async throws -> Response {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            attributes[.type] as? FileAttributeType == .typeRegular,
            let size = (attributes[.size] as? NSNumber)?.intValue
        else {
            throw APIError(
                .notFound, code: "artifact-missing",
                "\(fileName) is in the catalog but its file is gone; the next reconcile pass notices and rebuilds or reports it"
            )
        }
        var headers = HTTPFields()
        let etag = "\"\(sha256)\""
        headers[.eTag] = etag
        headers[.acceptRanges] = "bytes"
        headers[.cacheControl] = "no-cache"
        headers[.contentType] = contentType
        headers[.contentDisposition] = "attachment; filename=\"\(fileName)\""
        if let digest = Self.base64(hex: sha256) { headers[HTTPField.Name("Digest")!] = "sha-256=\(digest)" }
        if let match = request.headers[.ifNoneMatch], Rendered.matches(match, etag) {
            return Response(status: .notModified, headers: headers)
        }
        // An `If-Range` naming another version asks for the whole file.
        let rangeHeader = request.headers[.ifRange].map { $0 == etag } ?? true ? request.headers[.range] : nil
        switch ByteRange.parse(rangeHeader, size: size) {
        case .unsatisfiable:
            var error = APIError(
                .rangeNotSatisfiable, code: "range-not-satisfiable",
                "the file has \(size) bytes; ask for a range inside them")
            error.headers[.contentRange] = "bytes */\(size)"
            throw error
        case .whole:
            headers[.contentLength] = String(size)
            guard size > 0 else { return Response(status: .ok, headers: headers) }
            let body = try await FileIO().loadFile(path: path, range: 0...(size - 1), context: context)
            return Response(status: .ok, headers: headers, body: body)
        case .part(let range):
            headers[.contentLength] = String(range.count)
            headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(size)"
            let body = try await FileIO().loadFile(path: path, range: range, context: context)
            return Response(status: .partialContent, headers: headers, body: body)
        }
    }

    /// The base64 of the bytes a hex digest spells (the `Digest` header's encoding, RFC 3230).
    static func base64(hex: String) -> String? {
        guard hex.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return Data(bytes).base64EncodedString()
    }
}
