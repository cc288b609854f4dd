import KilnCatalog
import KilnSpec

/// The lineage view of one object (`/ui/lineage/{kind}/{name}`): commit → spec → executions and artifacts → image →
/// VMs, upstream to downstream, with the object itself marked. Built from ``LineageMapping`` (the same chain
/// `/kiln/v1/lineage` answers) plus the object's Ready badge.
struct LineagePage: Sendable, Hashable {
    let kind: String
    let name: String
    let badge: ReadyBadge
    let source: String
    let commit: String
    let commitShort: String
    let statusHref: String
    let jsonHref: String
    let upstream: [LineageNode]
    let here: [LineageNode]
    let executions: [LineageNode]
    let downstream: [LineageNode]

    /// Nil when the snapshot has no such object.
    init?(_ kind: Kind, _ name: String, snapshot: ReadSnapshot) {
        guard let lineage = LineageMapping.lineage(kind, name, snapshot: snapshot) else { return nil }
        let status: ObjectStatus
        let file: String
        let line: Int
        let revision: String
        switch kind {
        case .imageBuild:
            guard let build = snapshot.build(named: name) else { return nil }
            (status, file, line, revision) = (build.status, build.file, build.line, build.revision)
        case .image:
            guard let image = snapshot.image(named: name) else { return nil }
            (status, file, line, revision) = (image.status, image.file, image.line, image.revision)
        case .virtualMachine:
            guard let vm = snapshot.vm(named: name) else { return nil }
            (status, file, line, revision) = (vm.status, vm.file, vm.line, vm.revision)
        }
        self.kind = kind.rawValue
        self.name = name
        badge = ReadyBadge(status)
        source = "\(file):\(line)"
        commit = revision
        commitShort = DisplayText.commit(revision)
        let segment = ObjectLinks.segment(name)
        statusHref = "/kiln/v1/status/\(kind.slug)/\(segment)"
        jsonHref = "/kiln/v1/lineage/\(kind.slug)/\(segment)"
        let upstreamValues = lineage["upstream"]?.list ?? []
        upstream = upstreamValues.map { value in
            let isSelf =
                value["type"]?.string == "spec" && value["kind"]?.string == kind.rawValue
                && value["name"]?.string == name
            return LineageNode(value, current: isSelf)
        }
        here = lineage["self"].map { [LineageNode($0, current: true)] } ?? []
        executions = (lineage["executions"]?.list ?? []).map { LineageNode($0) }
        downstream = (lineage["downstream"]?.list ?? []).map { LineageNode($0) }
    }
}
