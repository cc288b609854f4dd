import Hummingbird
import KilnQuery
import KilnSpec

/// The dashboard: `GET /` and the lineage view of each object, `GET /ui/lineage/{kind}/{name}`. Both are read routes,
/// rendered once per read-model generation and served with an ETag, like every JSON answer.
struct DashboardRoutes {
    static func add(to router: Router<KilnRequestContext>, reads: ReadRoutes) {
        reads.get(router, "/") { read throws(APIError) in
            html(DashboardRenderer.shared.dashboard(DashboardPage(snapshot: read.snapshot)))
        }
        reads.get(router, "/ui/lineage/:kind/:name") { read throws(APIError) in
            let text = read.parameter("kind")
            let name = read.parameter("name")
            guard let kind = Kind(slug: text) else {
                return html(
                    DashboardRenderer.shared.notFound(
                        "There is no kind \(QueryParameters.echo(text)): use imagebuild, image or virtualmachine."),
                    status: .notFound)
            }
            guard let page = LineagePage(kind, name, snapshot: read.snapshot) else {
                return html(
                    DashboardRenderer.shared.notFound(
                        "Kiln has no \(kind.rawValue) named \(QueryParameters.echo(name))."),
                    status: .notFound)
            }
            return html(DashboardRenderer.shared.lineage(page))
        }
    }

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Rendered {
        var headers = HTTPFields()
        headers[.contentSecurityPolicy] = DashboardRenderer.contentSecurityPolicy
        headers[.xContentTypeOptions] = "nosniff"
        return Rendered(
            status: status, contentType: "text/html; charset=utf-8", body: ByteBuffer(string: text), headers: headers)
    }
}
