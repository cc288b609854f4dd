import KilnYAML

/// `hosts.yaml` in the spec repository: what git says about the fleet's hosts. Today one field:
///
/// ```yaml
/// cordoned: [b, c]   # these hosts take no new work, and their VMs move away
/// ```
///
/// Not a spec document (no kind): a file of that name anywhere under the spec root, one per spec root. It is validated
/// like the specs (file:line:column errors; an invalid one refuses the commit). Whether each name is a host of the
/// fleet is known only to the catalog: the reconciler reports unknown names.
public struct HostsFile: Sendable, Hashable {
    public static let fileName = "hosts.yaml"

    /// The hosts git cordons, in the file's order, each once.
    public var cordoned: [String]
    /// The file and where each name is written, for reports about a name.
    public var file: String
    public var marks: [String: Mark]

    public init(cordoned: [String], file: String = fileName, marks: [String: Mark] = [:]) {
        self.cordoned = cordoned
        self.file = file
        self.marks = marks
    }

    /// Whether `path` (relative to the repository) is a hosts file.
    public static func isHostsFile(_ path: String) -> Bool {
        path == fileName || path.hasSuffix("/" + fileName)
    }

    /// Where `name` is written, as `file:line:column`.
    public func location(of name: String) -> String {
        marks[name].map { "\(file):\($0.line):\($0.column)" } ?? file
    }

    /// Parses the file: the hosts file, or every error in it.
    public static func parse(path: String, bytes: [UInt8], limits: YAMLLimits = .default) -> ParsedFile {
        let loaded = YAMLLoader.load(bytes, file: path, limits: limits)
        var result = ParsedFile(
            path: path, objects: [], errors: loaded.errors.map(SpecError.init), declared: [], size: bytes.count)
        let documents = loaded.documents.compactMap(\.root).filter { !$0.isNull }
        guard result.errors.isEmpty else { return result }
        if documents.count > 1 {
            result.errors.append(
                SpecError(
                    file: path, mark: documents[1].mark,
                    message: "\(fileName) holds one document (a mapping with cordoned), not \(documents.count)"))
            return result
        }
        guard let root = documents.first else {
            result.hosts = HostsFile(cordoned: [], file: path)
            return result
        }
        guard let pairs = root.pairs else {
            result.errors.append(
                SpecError(
                    file: path, mark: root.mark,
                    message: "\(fileName) must be a mapping (cordoned: [NAME, …]), not \(root.shapeName)"))
            return result
        }
        var hosts = HostsFile(cordoned: [], file: path)
        for pair in pairs {
            let key = pair.key.scalar ?? ""
            guard key == "cordoned" else {
                result.errors.append(
                    SpecError(
                        file: path, mark: pair.key.mark, path: key,
                        message:
                            "unknown field \(JSONText.quoted(key)) (\(fileName) knows: cordoned)\(Suggestion.hint(for: key, in: ["cordoned"]))"
                    ))
                continue
            }
            if pair.value.isNull { continue }
            guard let items = pair.value.items else {
                result.errors.append(
                    SpecError(
                        file: path, mark: pair.value.mark, path: "cordoned",
                        message: "must be a list of host names ([a, b]), not \(pair.value.shapeName)"))
                continue
            }
            for (index, item) in items.enumerated() {
                let field = "cordoned[\(index)]"
                guard let name = item.scalar else {
                    result.errors.append(
                        SpecError(
                            file: path, mark: item.mark, path: field,
                            message: "must be a host name, not \(item.shapeName)"))
                    continue
                }
                if let problem = HostName.problem(name) {
                    result.errors.append(SpecError(file: path, mark: item.mark, path: field, message: problem))
                    continue
                }
                if let first = hosts.marks[name] {
                    result.errors.append(
                        SpecError(
                            file: path, mark: item.mark, path: field,
                            message:
                                "host \(JSONText.quoted(name)) is listed twice (first at \(path):\(first.line):\(first.column))"
                        ))
                    continue
                }
                hosts.cordoned.append(name)
                hosts.marks[name] = item.mark
            }
        }
        if result.errors.isEmpty { result.hosts = hosts }
        return result
    }
}
