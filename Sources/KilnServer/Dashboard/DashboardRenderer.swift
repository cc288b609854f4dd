import Crypto
import Foundation
import Mustache

/// Renders the dashboard's pages to HTML: a pure function of a page model, so that tests check the markup without
/// HTTP and equal state gives equal bytes (and an equal ETag).
struct DashboardRenderer: Sendable {
    /// What the layout template wraps around a page's body.
    struct Layout: Sendable {
        let title: String
        let subtitle: String
        let css: String
        let script: String
        let body: String
    }

    /// The templates are constants of this module; a test parses them all, so a failure here is a programming error.
    static let shared: DashboardRenderer = {
        do { return try DashboardRenderer() } catch { fatalError("a dashboard template does not parse: \(error)") }
    }()

    /// The `Content-Security-Policy` of every page: nothing from other origins, and no script but the page's own
    /// (allowed by its hash); inline styles stay allowed for the progress bars' widths.
    static let contentSecurityPolicy: String = {
        let digest = Data(SHA256.hash(data: Array(DashboardScript.source.utf8))).base64EncodedString()
        return "default-src 'none'; connect-src 'self'; img-src 'self' data:; style-src 'unsafe-inline'; "
            + "script-src 'sha256-\(digest)'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    }()

    let library: MustacheLibrary

    init() throws {
        var library = MustacheLibrary()
        for (name, text) in DashboardTemplates.all { try library.register(text, named: name) }
        self.library = library
    }

    func dashboard(_ page: DashboardPage) -> String {
        let sync = page.sync
        let subtitle = sync.source.isEmpty ? "no source yet" : "\(sync.source) · \(sync.branch)"
        let title =
            page.sync.refused != nil
            ? "Kiln · commit refused" : page.hasAttention ? "Kiln · \(page.attention.count) need attention" : "Kiln"
        return layout(title: title, subtitle: subtitle, body: render(page, "dashboard"))
    }

    func lineage(_ page: LineagePage) -> String {
        layout(
            title: "\(page.name) · lineage · Kiln", subtitle: "lineage of \(page.kind) \(page.name)",
            body: render(page, "lineage"))
    }

    func notFound(_ message: String) -> String {
        layout(title: "Not found · Kiln", subtitle: "", body: render(["message": message], "notFound"))
    }

    private func render(_ object: Any, _ template: String) -> String {
        library.render(object, withTemplate: template) ?? ""
    }

    private func layout(title: String, subtitle: String, body: String) -> String {
        render(
            Layout(
                title: title, subtitle: subtitle, css: DashboardStyle.css, script: DashboardScript.source, body: body),
            "layout")
    }
}
