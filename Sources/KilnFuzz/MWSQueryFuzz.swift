import KilnQuery
import KilnSpec

/// An MWS `query` or `sort` parameter as a client sends it, matched and ordered against sample images.
enum MWSQueryFuzz {
    /// Documents of the shapes MWS images have: nested objects, lists, numbers, strings, booleans and nulls.
    static let documents: [SpecValue] = [
        .object([
            "name": .string("debian-base"), "version": .int(3), "active": .bool(true),
            "extensions": .object(["xcat": .object(["os": .string("bookworm")])]),
            "tags": .list([.string("web"), .string("base")])
        ]),
        .object(["name": .string("busybox"), "version": .double(1.5), "owner": .null, "tags": .list([])]),
        .object([:])
    ]

    static func run(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        do {
            _ = try JSONReader.parse(text)
        } catch {
            promise(
                error.offset >= 0 && error.offset <= text.utf8.count,
                "a JSON error points outside the input: \(error.offset) of \(text.utf8.count)")
        }
        if let query = try? MWSQueryParser.parse(text) {
            promise(text.utf8.count <= MWSQueryParser.maxLength, "a query over the length cap was accepted")
            // Matching is total: it answers for every document, and the same way twice.
            for document in documents {
                promise(query.matches(document) == query.matches(document), "a query matched one document two ways")
            }
        }
        if let sort = try? MWSSort.parse(text) {
            // A strict order, as sorting needs: nothing before itself, and never both ways.
            for a in documents {
                promise(!sort.less(a, a), "sort puts a document before itself")
                for b in documents where sort.less(a, b) {
                    promise(!sort.less(b, a), "sort orders two documents both ways")
                }
            }
        }
    }
}
