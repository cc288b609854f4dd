import Foundation

/// What a fetch asks for and does with an answer, given how many bytes of the artifact it already holds: pure, so
/// that every case (a first request, a resumed one, a server that ignores `Range`, a partial file longer than the
/// artifact) is tested without a network.
public enum ResumeDecision: Sendable, Hashable {
    /// Append the body to the partial file, whose length is `offset`.
    case append(offset: Int64, total: Int64?)
    /// Start again: empty the partial file and write the body from its first byte.
    case restart(total: Int64?)
    /// The partial file already holds every byte (a cut after the last one): check it as it is.
    case complete
    /// Drop the partial file and ask again for the whole artifact (the server answered a range that cannot continue it).
    case discard(reason: String)
    /// Give up: the answer says the artifact cannot be had from this host (not found, refused, server error).
    case fail(status: Int)

    /// The `Range` header to send when `partialBytes` are held: none for a first request.
    public static func rangeHeader(partialBytes: Int64) -> String? {
        partialBytes > 0 ? "bytes=\(partialBytes)-" : nil
    }

    /// What to do with an answer of `status` with `contentRange` (its `Content-Range` header) and `contentLength`,
    /// when `partialBytes` were held and asked to be continued.
    public static func decide(
        partialBytes: Int64, status: Int, contentRange: String?, contentLength: Int64?
    )
        -> ResumeDecision
    {
        switch status {
        case 200:
            // The whole file: a server that ignores Range, or an If-Range that no longer matched.
            return .restart(total: contentLength)
        case 206:
            guard let range = ContentRange(contentRange), range.first != nil else {
                return .discard(reason: "a partial answer without a usable Content-Range (\(contentRange ?? "none"))")
            }
            guard range.first == partialBytes else {
                return .discard(
                    reason:
                        "asked for bytes from \(partialBytes), the answer starts at \(range.first.map(String.init) ?? "?")"
                )
            }
            return .append(offset: partialBytes, total: range.total)
        case 416:
            if let range = ContentRange(contentRange), let total = range.total, total == partialBytes {
                return .complete
            }
            return .discard(reason: "the held \(partialBytes) bytes are not a prefix of the artifact (HTTP 416)")
        default:
            return .fail(status: status)
        }
    }
}

/// A `Content-Range` header: `bytes FIRST-LAST/TOTAL`, or `bytes */TOTAL` in a 416; `*` as TOTAL is an unknown length.
struct ContentRange: Hashable {
    var first: Int64?
    var last: Int64?
    var total: Int64?

    init?(_ header: String?) {
        guard let header else { return nil }
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard trimmed.lowercased().hasPrefix("bytes ") else { return nil }
        let rest = trimmed.dropFirst(6).trimmingCharacters(in: .whitespaces)
        guard let slash = rest.firstIndex(of: "/") else { return nil }
        let span = rest[..<slash]
        let totalText = rest[rest.index(after: slash)...]
        if totalText == "*" {
            total = nil
        } else {
            guard let value = Int64(totalText), value >= 0 else { return nil }
            total = value
        }
        if span == "*" { return }
        let bounds = span.split(separator: "-", omittingEmptySubsequences: false)
        guard bounds.count == 2, let a = Int64(bounds[0]), let b = Int64(bounds[1]), a >= 0, b >= a else { return nil }
        first = a
        last = b
    }
}
