import Hummingbird
import KilnQuery
import KilnSpec

/// Moab MWS images: `/rest/images` (query, sort, fields, max, offset) and `/rest/images/{id or name}`.
struct MWSRoutes {
    static func add(to router: Router<KilnRequestContext>, reads: ReadRoutes) {
        reads.get(router, "/rest/images") { read throws(APIError) in
            try checkVersion(read.query)
            return .json(try list(read))
        }
        reads.get(router, "/rest/images/:id") { read throws(APIError) in
            try checkVersion(read.query)
            let id = read.parameter("id")
            guard let image = read.snapshot.image(mwsId: id) ?? read.snapshot.image(named: id) else {
                throw .notFound("image-not-found", "no image with id or name \(QueryParameters.echo(id))")
            }
            let document = read.snapshot.mwsDocuments[read.snapshot.imageIndex[image.name]!]
            return .json(MWSMapping.project(document, try fields(read.query)))
        }
    }

    /// MWS speaks version 3 of its API; a client asking for another would misread the answers.
    static func checkVersion(_ query: QueryParameters) throws(APIError) {
        guard let version = query["api-version"] else { return }
        guard version == "3" else {
            throw .badParameter("api-version", "only version 3 is served (got \(QueryParameters.echo(version)))")
        }
    }

    static func fields(_ query: QueryParameters) throws(APIError) -> [[String]] {
        guard let text = query["fields"] else { return [] }
        return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .map { $0.split(separator: ".").map(String.init) }
    }

    static func list(_ read: ReadRequest) throws(APIError) -> SpecValue {
        let paging = try read.paging()
        var filter = MWSQuery.everything
        if let text = read.query["query"] {
            do { filter = try MWSQueryParser.parse(text) } catch { throw .badParameter("query", error.message) }
        }
        var sort = MWSSort(keys: [])
        if let text = read.query["sort"] {
            do { sort = try MWSSort.parse(text) } catch { throw .badParameter("sort", error.message) }
        }
        let projection = try fields(read.query)
        let documents = read.snapshot.mwsDocuments
        // Equality and `$in` pick candidates from an index; unless the index answered every condition, each
        // candidate is then checked against the whole query.
        let candidates = read.snapshot.mwsIndex.candidates(filter)
        if let candidates, candidates.exact, sort.isByNameAscending {
            // The common case stays in index space: count the matches, render only the page.
            let page = paging.page(candidates.documents).map { MWSMapping.project(documents[Int($0)], projection) }
            return .object([
                "totalCount": .int(candidates.documents.count),
                "resultCount": .int(page.count),
                "results": .list(page)
            ])
        }
        var matched: [SpecValue]
        if let candidates {
            matched = candidates.documents.map { documents[Int($0)] }
            if !candidates.exact { matched = matched.filter { filter.matches($0) } }
        } else if case .all(let parts) = filter, parts.isEmpty {
            matched = documents
        } else {
            matched = documents.filter { filter.matches($0) }
        }
        if !sort.isByNameAscending {
            // Ties keep the read model's order (by name), so equal state gives equal pages.
            let keyed = matched.enumerated().map { (offset: $0.offset, values: sort.sortValues($0.element)) }
            matched = keyed.sorted { a, b in
                sort.less(a.values, b.values) || (!sort.less(b.values, a.values) && a.offset < b.offset)
            }.map { matched[$0.offset] }
        }
        let page = paging.page(matched).map { MWSMapping.project($0, projection) }
        return .object([
            "totalCount": .int(matched.count),
            "resultCount": .int(page.count),
            "results": .list(Array(page))
        ])
    }
}
