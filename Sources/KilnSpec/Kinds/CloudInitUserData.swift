import KilnYAML

/// A VM's own cloud-init user-data (`cloudInit: {userData: path/in/repo.yaml}`), read from the same commit as the spec
/// and checked before any seed is made. Pure: tested without disk or git.
///
/// What is refused, with `file:line:column`: a file over ``maxBytes``, anything that is not one YAML mapping starting
/// with the `#cloud-config` line, and a clear-text secret. A password (`password`, `passwd`, `plain_text_passwd`,
/// `hashed_passwd`, `chpasswd`'s `list`) may only be a reference, `{fromFile: NAME}` (a file of Kiln's secrets folder)
/// or `{fromEnv: KILN_NAME}`, resolved when the seed is written; any other value may be a reference too.
public struct CloudInitUserData: Sendable, Hashable {
    /// cloud-init's own limit for NoCloud user-data is far above this; a VM's first-boot config is small.
    public static let maxBytes = 64 << 10
    public static let header = "#cloud-config"
    /// Keys whose value is a secret wherever they appear.
    static let secretKeys: Set<String> = ["password", "passwd", "plain_text_passwd", "hashed_passwd"]

    /// The document, with each secret reference still a `{fromFile: …}`/`{fromEnv: …}` object.
    public var value: SpecValue
    /// Every secret reference in it, in document order.
    public var references: [SecretReference]

    public static func parse(_ bytes: [UInt8], file: String) -> Result<CloudInitUserData, YAMLError> {
        func fail(_ mark: Mark, _ message: String) -> Result<CloudInitUserData, YAMLError> {
            .failure(YAMLError(file: file, mark: mark, message: message))
        }
        guard bytes.count <= maxBytes else {
            return fail(
                Mark(line: 1, column: 1), "user-data is \(bytes.count) bytes, over the limit of \(maxBytes) bytes")
        }
        guard bytes.starts(with: Array(header.utf8)) else {
            return fail(
                Mark(line: 1, column: 1), "user-data must start with the line \(header), as cloud-init requires")
        }
        let loaded = YAMLLoader.load(
            bytes, file: file, limits: YAMLLimits(maxFileBytes: maxBytes, maxDepth: 32, maxAliases: 64))
        if let first = loaded.errors.first { return .failure(first) }
        // Only the header (comments): an empty cloud-config.
        if loaded.documents.allSatisfy({ $0.root == nil || $0.root!.isNull }), loaded.documents.count <= 1 {
            return .success(CloudInitUserData(value: .object([:]), references: []))
        }
        guard loaded.documents.count == 1, let root = loaded.documents[0].root else {
            return fail(
                loaded.documents.dropFirst().first?.mark ?? Mark(line: 1, column: 1),
                "user-data must be exactly one YAML document")
        }
        guard root.pairs != nil else { return fail(root.mark, "user-data must be a mapping, not \(root.shapeName)") }
        var references: [SecretReference] = []
        if let error = check(root, key: nil, path: "", file: file, references: &references) { return .failure(error) }
        return .success(CloudInitUserData(value: FreeformReader.read(root), references: references))
    }

    /// Walks the document: references are checked and collected; a clear-text secret is refused without echoing it.
    static func check(
        _ node: YAMLNode, key: String?, path: String, file: String, references: inout [SecretReference]
    ) -> YAMLError? {
        let where_ = path.isEmpty ? "user-data" : path
        if let reference = reference(node, path: where_, file: file) {
            switch reference {
            case .success(let found):
                references.append(found)
                return nil
            case .failure(let error): return error
            }
        }
        let secret = key.map { secretKeys.contains($0) || path.hasSuffix("chpasswd.list") } ?? false
        switch node.value {
        case .scalar:
            guard secret, !node.isNull else { return nil }
            return YAMLError(
                file: file, mark: node.mark,
                message:
                    "\(where_) is a clear-text secret, and secrets never live in git; write {fromFile: NAME} (a file of Kiln's secrets folder) or {fromEnv: KILN_NAME} instead (then rotate the leaked one)"
            )
        case .sequence(let items):
            for (i, item) in items.enumerated() {
                if let error = check(
                    item, key: secret ? key : nil, path: "\(where_)[\(i)]", file: file, references: &references)
                {
                    return error
                }
            }
        case .mapping(let pairs):
            for pair in pairs {
                let name = pair.key.scalar ?? ""
                if let error = check(
                    pair.value, key: name, path: path.isEmpty ? name : "\(path).\(name)", file: file,
                    references: &references)
                {
                    return error
                }
            }
        }
        return nil
    }

    /// `{fromFile: NAME}` or `{fromEnv: KILN_NAME}`: a checked reference; nil for anything else.
    static func reference(_ node: YAMLNode, path: String, file: String) -> Result<SecretReference, YAMLError>? {
        guard let pairs = node.pairs, pairs.count == 1, let key = pairs[0].key.scalar,
            key == "fromFile" || key == "fromEnv"
        else { return nil }
        let value = pairs[0].value
        guard let text = value.scalar, !value.isNull else {
            return .failure(
                YAMLError(
                    file: file, mark: value.mark, message: "\(path).\(key) must be a name, not \(value.shapeName)"))
        }
        if key == "fromEnv" {
            if let problem = SecretReference.envNameProblem(text) {
                return .failure(YAMLError(file: file, mark: value.mark, message: "\(path).fromEnv: \(problem)"))
            }
            return .success(.fromEnv(text))
        }
        switch RepoPath.normalize(text) {
        case .failure(let error):
            return .failure(
                YAMLError(
                    file: file, mark: value.mark,
                    message: "\(path).fromFile: \(error.message) (fromFile names a file in Kiln's secrets folder)"))
        case .success(let normalized):
            return .success(.fromFile(normalized))
        }
    }

    /// The document with each reference replaced by `resolve`'s answer (the secret's value).
    public func resolved(_ resolve: (SecretReference) throws -> String) rethrows -> SpecValue {
        try Self.resolve(value, resolve)
    }

    static func resolve(_ value: SpecValue, _ resolve: (SecretReference) throws -> String) rethrows -> SpecValue {
        switch value {
        case .object(let fields):
            if fields.count == 1, let reference = SecretReference(value) { return .string(try resolve(reference)) }
            return .object(try fields.mapValues { try Self.resolve($0, resolve) })
        case .list(let items):
            return .list(try items.map { try Self.resolve($0, resolve) })
        default:
            return value
        }
    }
}
