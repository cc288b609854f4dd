import KilnSpec

/// One step of a lineage chain as the page draws it, read from ``LineageMapping``'s JSON so that the page and
/// `/kiln/v1/lineage` never disagree: a commit, a spec, an execution with its artifacts, an image, a VM, a URL.
struct LineageNode: Sendable, Hashable {
    struct Detail: Sendable, Hashable {
        let name: String
        let value: String
        let code: Bool
    }

    let type: String
    let label: String
    let title: String
    let href: String?
    let status: String?
    let tone: String
    /// `build#number` for an execution, so live progress events find it.
    let key: String?
    let current: Bool
    let details: [Detail]
    let children: [LineageNode]

    init(
        type: String, label: String, title: String, href: String? = nil, status: String? = nil, tone: String = "idle",
        key: String? = nil, current: Bool = false, details: [Detail] = [], children: [LineageNode] = []
    ) {
        self.type = type
        self.label = label
        self.title = title
        self.href = href
        self.status = status
        self.tone = tone
        self.key = key
        self.current = current
        self.details = details
        self.children = children
    }

    /// The page for a lineage href of the API (`/kiln/v1/lineage/…` → `/ui/lineage/…`).
    static func page(_ apiHref: String?) -> String? {
        apiHref.map { $0.replacingOccurrences(of: "/kiln/v1/lineage/", with: "/ui/lineage/") }
    }

    static func text(_ value: SpecValue?) -> String {
        switch value {
        case .string(let s)?: s
        case .int(let i)?: String(i)
        case .double(let d)?: String(d)
        case .bool(let b)?: b ? "true" : "false"
        default: ""
        }
    }

    /// A node of `LineageMapping`'s answer; `current` marks the object the page is about.
    init(_ value: SpecValue, current: Bool = false) {
        let type = Self.text(value["type"])
        func detail(_ name: String, _ key: String, code: Bool = true) -> Detail? {
            let text = Self.text(value[key])
            return text.isEmpty ? nil : Detail(name: name, value: text, code: code)
        }
        switch type {
        case "commit":
            let id = Self.text(value["commit"])
            self.init(
                type: type, label: "Commit", title: DisplayText.commit(id),
                details: [Detail(name: "id", value: id, code: true)])
        case "spec":
            self.init(
                type: type, label: "Spec", title: "\(Self.text(value["file"])):\(Self.text(value["line"]))",
                href: current ? nil : Self.page(value["lineage"]?.string), current: current,
                details: [
                    Detail(name: Self.text(value["kind"]), value: Self.text(value["name"]), code: false),
                    detail("commit", "commit")
                ].compactMap { $0 })
        case "execution":
            let build = Self.text(value["build"])
            let number = Self.text(value["buildNumber"])
            let status = Self.text(value["status"])
            self.init(
                type: type, label: "Execution", title: "\(build) #\(number)",
                href: "/api/image-builds/\(ObjectLinks.segment(build))/executions/\(number)/log", status: status,
                tone: ExecutionRow.tone(status), key: "\(build)#\(number)",
                details: [detail("commit", "commit"), detail("by", "createdBy", code: false)].compactMap { $0 },
                children: (value["artifacts"]?.list ?? []).map { Self(artifact: $0) })
        case "artifact":
            self.init(artifact: value)
        case "image":
            let state = Self.text(value["state"])
            self.init(
                type: type, label: "Image", title: Self.text(value["name"]),
                href: current ? nil : Self.page(value["lineage"]?.string), status: state,
                tone: state == "ACTIVE" ? "ok" : state == "FAILED" ? "bad" : "busy", current: current,
                details: [detail("version", "version", code: false), detail("sha256", "sha256")].compactMap { $0 })
        case "vm":
            let status = Self.text(value["status"])
            self.init(
                type: type, label: "VM", title: Self.text(value["name"]),
                href: current ? nil : Self.page(value["lineage"]?.string), status: status.isEmpty ? nil : status,
                tone: status == "powered-on" ? "ok" : status == "failed" ? "bad" : "idle", current: current,
                details: [detail("image sha256", "imageSha256")].compactMap { $0 })
        case "url":
            self.init(
                type: type, label: "Download", title: Self.text(value["url"]),
                details: [detail("checksum", "checksum")].compactMap { $0 })
        default:
            self.init(type: "other", label: type, title: Self.text(value["name"]))
        }
    }

    init(artifact value: SpecValue) {
        let size = value["size"]?.int.map { DisplayText.bytes(Int64($0)) } ?? ""
        self.init(
            type: "artifact", label: "Artifact", title: "\(Self.text(value["format"])) · \(size)",
            href: value["href"]?.string,
            details: [
                Detail(name: "file", value: Self.text(value["file"]), code: true),
                Detail(name: "sha256", value: Self.text(value["sha256"]), code: true)
            ])
    }
}
