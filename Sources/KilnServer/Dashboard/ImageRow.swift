import Foundation
import KilnCatalog

/// One Image on the dashboard: state, version, where its bits come from, every format its execution made (with
/// sizes and links), and a download link for the file it serves.
struct ImageRow: Sendable, Hashable {
    let name: String
    let links: ObjectLinks
    let badge: ReadyBadge
    let state: String
    let stateTone: String
    let version: Int
    let os: String
    let origin: String
    let formats: [ArtifactLink]
    /// The format it serves when no execution lists formats (an image from a URL or a snapshot).
    let format: String?
    let size: String?
    let sha256: String?
    let sha256Short: String?
    let download: String?

    init(_ image: ImageRecord, snapshot: ReadSnapshot) {
        name = image.name
        links = ObjectLinks(anchorPrefix: "image", slug: "image", name: image.name)
        badge = ReadyBadge(image.status)
        state = image.state.rawValue
        stateTone =
            switch image.state {
            case .active: "ok"
            case .queued: "busy"
            case .failed: "bad"
            }
        version = image.version
        let spec = image.typed
        os = [spec.osType, spec.architecture].filter { !$0.isEmpty }.joined(separator: " · ")
        origin =
            switch spec.source {
            case .build(let build, let format)?: "build \(build) (\(format))"
            case .url(let url, _)?: URL(string: url)?.host.map { "download from \($0)" } ?? "download"
            case .snapshotOf(let vm)?: "snapshot of \(vm)"
            case nil: "catalog entry"
            }
        let current = image.virtualImageId.flatMap(snapshot.virtualImage(id:))
        if let current,
            let execution = snapshot.executions(of: current.buildName).first(where: { $0.id == current.executionId })
        {
            formats = snapshot.virtualImages(of: execution).map { ArtifactLink($0, current: $0.id == current.id) }
        } else {
            formats = []
        }
        format = formats.isEmpty ? image.format : nil
        size = current.map { DisplayText.bytes($0.size) }
        sha256 = image.sha256
        sha256Short = image.sha256.map(DisplayText.digest)
        download =
            image.path != nil && image.sha256 != nil
            ? "/kiln/v1/images/\(ObjectLinks.segment(image.name))/download" : nil
    }
}
