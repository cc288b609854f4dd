import Foundation
import KilnCatalog

/// One execution of a build as the dashboard lists it: state, a progress bar and ETA while it runs, the error when it
/// failed, and its artifacts with download links.
struct ExecutionRow: Sendable, Hashable {
    /// `build#number`: what the page's script finds the row by when an `execution` event arrives.
    let key: String
    let number: Int
    let status: String
    let tone: String
    let active: Bool
    let percent: Int
    let eta: String?
    let message: String?
    let error: String?
    let started: TimeText?
    let ended: TimeText?
    let duration: String?
    let author: String
    let commit: String
    let commitShort: String
    let reason: String
    let artifacts: [ArtifactLink]
    let log: String

    init(_ e: ExecutionRecord, artifacts: [VirtualImageRecord], buildSegment: String) {
        key = "\(e.buildName)#\(e.buildNumber)"
        number = e.buildNumber
        status = e.status.rawValue
        tone = Self.tone(e.status.rawValue)
        active = !e.status.isFinished
        percent = e.statusPercent.isFinite ? min(100, max(0, Int(e.statusPercent.rounded()))) : 0
        eta = active ? e.statusEta.flatMap { $0.isFinite && $0 >= 0 ? DisplayText.duration($0) : nil } : nil
        message = e.statusMessage.flatMap { $0.isEmpty ? nil : $0 }
        error = e.errorMessage.flatMap { $0.isEmpty ? nil : $0 }
        started = TimeText.optional(e.startDate)
        ended = TimeText.optional(e.endDate)
        if let start = e.startDate, let end = e.endDate {
            duration = DisplayText.duration(end.timeIntervalSince(start))
        } else {
            duration = nil
        }
        author = e.createdBy
        commit = e.revision
        commitShort = DisplayText.commit(e.revision)
        reason = e.reason
        self.artifacts = artifacts.map { ArtifactLink($0, current: false) }
        log = "/api/image-builds/\(buildSegment)/executions/\(e.buildNumber)/log"
    }

    /// An execution state's badge tone, from its name as API answers and events spell it.
    static func tone(_ status: String) -> String {
        switch status {
        case "success": "ok"
        case "running", "pending": "busy"
        case "failed": "bad"
        default: "idle"
        }
    }
}

/// A downloadable file of an execution: format, size and link.
struct ArtifactLink: Sendable, Hashable {
    let file: String
    let format: String
    let size: String
    let sha256: String
    let href: String
    /// The file an Image currently serves.
    let current: Bool

    init(_ vi: VirtualImageRecord, current: Bool) {
        file = (vi.path as NSString).lastPathComponent
        format = vi.format
        size = DisplayText.bytes(vi.size)
        sha256 = vi.sha256
        href =
            "/kiln/v1/image-builds/\(ObjectLinks.segment(vi.buildName))/executions/\(vi.buildNumber)/artifacts/\(ObjectLinks.segment(file))"
        self.current = current
    }
}
