import Foundation
import KilnCatalog

/// An object's Ready condition as a badge: its text, its tone (a CSS class: `ok`, `busy`, `bad`, `idle`), and the
/// condition's reason and message. Busy means Kiln is still working on it (Reconciling), bad that it needs a person.
struct ReadyBadge: Sendable, Hashable {
    let text: String
    let tone: String
    let ready: Bool
    let reason: String
    let message: String
    let since: TimeText?

    init(_ status: ObjectStatus) {
        let ready = status.condition(.ready)
        let reconciling = status.condition(.reconciling)?.status == true
        self.ready = ready?.status == true
        reason = ready?.reason ?? ""
        message = ready?.message ?? ""
        since = ready.map { TimeText($0.lastTransitionTime) }
        switch (ready, reconciling) {
        case (nil, _):
            text = "Unknown"
            tone = "idle"
        case (let condition?, _) where condition.status:
            text = "Ready"
            tone = "ok"
        case (let condition?, true):
            text = condition.reason.isEmpty ? "Reconciling" : condition.reason
            tone = "busy"
        case (let condition?, false):
            text = condition.reason.isEmpty ? "Not ready" : condition.reason
            tone = "bad"
        }
    }
}

/// Links and anchors of one object on the dashboard.
struct ObjectLinks: Sendable, Hashable {
    /// The element id of its card or row (`build-busybox`), for `#` links from the attention list.
    let anchor: String
    let lineage: String
    let status: String

    init(anchorPrefix: String, slug: String, name: String) {
        let segment = Self.segment(name)
        anchor = "\(anchorPrefix)-\(name)"
        lineage = "/ui/lineage/\(slug)/\(segment)"
        status = "/kiln/v1/status/\(slug)/\(segment)"
    }

    /// A name as one URL path segment (names are validated resource names; this guards the few characters they may
    /// still share with URL syntax).
    static func segment(_ text: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#;%")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
