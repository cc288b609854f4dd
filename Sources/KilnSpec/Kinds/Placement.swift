/// Where an ImageBuild's executions or a VirtualMachine may run in a fleet (the spec's `placement`): on one named host,
/// on hosts with all these labels, or (neither) on any host. A fleet host claims an execution's work only when it
/// holds every one of ``workLabels``: its `--host-label`s, and ``hostLabel(_:)`` of its own name. VMs are placed by
/// the leader (KilnPlanner's `VMPlacer`).
public struct Placement: Sendable, Hashable {
    /// The label key naming a host itself; `--host-label` refuses it, so that no host can claim another's pinned work.
    public static let hostKey = "kiln.dev/host"

    /// `placement.host`: this host only.
    public var host: String?
    /// `placement.labels`: hosts with all of them.
    public var labels: [String: String]

    public init(host: String? = nil, labels: [String: String] = [:]) {
        self.host = host
        self.labels = labels
    }

    /// A spec's `placement` object (none: anywhere).
    public init(spec: SpecValue?) {
        self.init(host: spec?["host"]?.string, labels: (spec?["labels"]?.object ?? [:]).compactMapValues(\.string))
    }

    /// The label every host holds for itself.
    public static func hostLabel(_ name: String) -> String { "\(hostKey)=\(name)" }

    /// `labels` as `key=value` (as `--host-label` gives them), sorted.
    public var labelList: [String] { labels.map { "\($0.key)=\($0.value)" }.sorted() }

    /// The labels a host must hold to run a build, as `key=value`, sorted: ``labelList`` and the named host's own.
    public var workLabels: [String] { (labelList + (host.map { [Self.hostLabel($0)] } ?? [])).sorted() }

    /// "host b and labels zone=a", for messages.
    public var description: String {
        var parts: [String] = []
        if let host { parts.append("host \(host)") }
        if !labels.isEmpty { parts.append("labels \(labelList.joined(separator: ", "))") }
        return parts.joined(separator: " and ")
    }
}
