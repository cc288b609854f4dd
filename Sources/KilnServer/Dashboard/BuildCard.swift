import KilnCatalog

/// One ImageBuild on the dashboard: its Ready badge, where its spec is, and its newest executions.
struct BuildCard: Sendable, Hashable {
    /// How many executions a card lists; the lineage view lists them all.
    static let shownExecutions = 5

    let name: String
    let links: ObjectLinks
    let badge: ReadyBadge
    let source: String
    let summary: String?
    let formats: String
    let executionCount: Int
    let executions: [ExecutionRow]
    let older: Int

    init(_ build: BuildRecord, snapshot: ReadSnapshot) {
        name = build.name
        links = ObjectLinks(anchorPrefix: "build", slug: "imagebuild", name: build.name)
        badge = ReadyBadge(build.status)
        source = "\(build.file):\(build.line)"
        let spec = build.typed
        summary = spec.description
        formats = spec.conversionFormats.joined(separator: ", ")
        let all = snapshot.executions(of: build.name)
        executionCount = all.count
        let segment = ObjectLinks.segment(build.name)
        executions = all.suffix(Self.shownExecutions).reversed().map { e in
            ExecutionRow(e, artifacts: snapshot.virtualImages(of: e), buildSegment: segment)
        }
        older = max(0, all.count - Self.shownExecutions)
    }
}
