import KilnQuery

/// A query string as the Morpheus, MWS and VM builder routes read it, and a Deltacloud client's `Accept`.
enum QueryParametersFuzz {
    /// Longer than any echo: an error shows a client's value cut to 40 characters, plus the server's own words.
    static let longestMessage = 400

    static func run(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        let parameters: QueryParameters
        do {
            parameters = try QueryParameters(text)
        } catch {
            check(error)
            return
        }
        for name in parameters.names {
            promise(parameters[name].map { !$0.isEmpty } ?? false, "parameter \(name) is listed but has no value")
            do { _ = try parameters.int(name, default: 0, in: 0...1000) } catch { check(error) }
            do { _ = try parameters.bool(name, default: false) } catch { check(error) }
            do { _ = try parameters.choice(name, ["asc", "desc"]) } catch { check(error) }
        }
        do {
            let paging = try Paging(parameters)
            promise((1...Paging.cap).contains(paging.max), "page size \(paging.max) is outside 1...\(Paging.cap)")
            promise(paging.offset >= 0, "negative offset \(paging.offset)")
            let page = paging.page(Array(0..<50))
            promise(page.count <= paging.max, "a page of \(page.count) is over its size \(paging.max)")
        } catch {
            check(error)
        }
        do {
            _ = try DeltacloudFormat.choose(format: parameters["format"], accept: text)
        } catch {
            switch error {
            case .parameter(let error): check(error)
            case .notAcceptable(let message):
                promise(message.utf8.count <= longestMessage, "a 406 echoes \(message.utf8.count) bytes of the request")
            }
        }
    }

    static func check(_ error: QueryParameterError) {
        promise(
            error.message.utf8.count <= longestMessage,
            "an error echoes \(error.message.utf8.count) bytes of the request")
    }
}
