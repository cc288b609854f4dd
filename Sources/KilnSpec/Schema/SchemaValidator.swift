import KilnYAML

/// Checks a YAML node against a ``SchemaType`` and reads it into a ``SpecValue``.
///
/// Every problem is collected (not only the first), each with the node's position and field path. Defaults from the
/// schema are filled in, so an omitted field and a field written with its default value give the same value.
struct SchemaValidator {
    let file: String
    private(set) var errors: [SpecError] = []
    /// Where each field path's value starts, for checks made after validation (references, uniqueness).
    private(set) var marks: [String: Mark] = [:]

    init(file: String) {
        self.file = file
    }

    mutating func error(_ mark: Mark, _ path: String, _ message: String) {
        errors.append(SpecError(file: file, mark: mark, path: path, message: message))
    }

    mutating func validate(_ node: YAMLNode, _ type: SchemaType, path: String) -> SpecValue? {
        marks[path] = node.mark
        switch type {
        case .string(let format):
            guard let text = stringScalar(node, path) else { return nil }
            return check(text, format, node.mark, path)
        case .integer(let min, let max):
            return integer(node, path, min: min, max: max)
        case .boolean:
            return boolean(node, path)
        case .literalTrue:
            let value = boolean(node, path)
            if value == .bool(false) {
                error(node.mark, path, "may only be true; remove it to choose another option")
                return nil
            }
            return value
        case .list(let item, let unique):
            guard let items = node.items else {
                error(node.mark, path, "must be a list, not \(node.shapeName)")
                return nil
            }
            var values: [SpecValue] = []
            var seen: Set<SpecValue> = []
            for (i, child) in items.enumerated() {
                guard let value = validate(child, item, path: "\(path)[\(i)]") else { continue }
                if unique, !seen.insert(value).inserted {
                    error(child.mark, "\(path)[\(i)]", "duplicate entry \(value.canonicalJSON)")
                    continue
                }
                values.append(value)
            }
            return .list(values)
        case .object(let schema):
            return object(node, schema, path)
        case .map(let valueType, let keys):
            guard let pairs = node.pairs else {
                error(node.mark, path, "must be a mapping, not \(node.shapeName)")
                return nil
            }
            var fields: [String: SpecValue] = [:]
            for pair in pairs {
                let key = pair.key.scalar ?? ""
                if let problem = keys.problem(key) {
                    error(pair.key.mark, join(path, key), problem)
                    continue
                }
                if let value = validate(pair.value, valueType, path: join(path, key)) { fields[key] = value }
            }
            return .object(fields)
        case .freeform:
            guard node.pairs != nil else {
                error(node.mark, path, "must be a mapping, not \(node.shapeName)")
                return nil
            }
            return FreeformReader.read(node)
        case .secret:
            return secret(node, path)
        case .nameOrObject(let format, let schema):
            if node.pairs != nil { return object(node, schema, path) }
            guard let text = stringScalar(node, path) else { return nil }
            return check(text, format, node.mark, path)
        }
    }

    private func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    // MARK: scalars

    private mutating func stringScalar(_ node: YAMLNode, _ path: String) -> String? {
        guard case .scalar(let text, _) = node.value else {
            error(node.mark, path, "must be a string, not \(node.shapeName)")
            return nil
        }
        if let tag = node.tag, tag != YAMLTag.str, tag != "!" {
            error(node.mark, path, "is tagged \(tag) but must be a string")
            return nil
        }
        if node.isNull {
            error(node.mark, path, "must be a string, not null (remove the key to leave it unset)")
            return nil
        }
        return text
    }

    private mutating func check(_ text: String, _ format: StringFormat, _ mark: Mark, _ path: String) -> SpecValue? {
        func fail(_ message: String) -> SpecValue? {
            error(mark, path, message)
            return nil
        }
        switch format {
        case .text:
            return .string(text)
        case .constant(let expected):
            return text == expected
                ? .string(text) : fail("must be \(JSONText.quoted(expected)), not \(JSONText.quoted(text))")
        case .name:
            if let problem = ResourceName.check(text) { return fail(problem.message) }
            return .string(text)
        case .oneOf(let allowed):
            if allowed.contains(text) { return .string(text) }
            return fail(
                "\(JSONText.quoted(text)) is not one of \(allowed.joined(separator: ", "))\(Suggestion.hint(for: text, in: allowed))"
            )
        case .iecSize(let min, let max):
            switch IECSize.parse(text) {
            case .failure(let e): return fail(e.message)
            case .success(let size):
                if size.bytes < min { return fail("\(text) is below the minimum of \(IECSize(bytes: min))") }
                if size.bytes > max { return fail("\(text) is above the maximum of \(IECSize(bytes: max))") }
                return .string(size.description)
            }
        case .duration:
            switch SpecDuration.parse(text) {
            case .failure(let e): return fail(e.message)
            case .success(let d): return .string(d.description)
            }
        case .checksum:
            switch Checksum.parse(text) {
            case .failure(let e): return fail(e.message)
            case .success(let c): return .string(c.description)
            }
        case .hexDigest:
            if text.contains(":") {
                switch Checksum.parse(text) {
                case .failure(let e): return fail(e.message)
                case .success(let c): return .string(c.description)
                }
            }
            guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isHexDigit }) else {
                return fail("a checksum must be hex digits")
            }
            return .string(text.lowercased())
        case .url:
            switch SafeURL.check(text) {
            case .failure(let e): return fail(e.message)
            case .success: return .string(text)
            }
        case .repoPath:
            switch RepoPath.normalize(text) {
            case .failure(let e): return fail(e.message)
            case .success(let p): return .string(p)
            }
        case .debianName:
            if let problem = DebianName.problem(text) { return fail(problem) }
            return .string(text)
        case .commandLine:
            if let problem = KernelCommandLine.problem(text) { return fail(problem) }
            return .string(text)
        case .hostName:
            if let problem = HostName.problem(text) { return fail(problem) }
            return .string(text)
        }
    }

    private mutating func plainScalar(_ node: YAMLNode, _ path: String, _ what: String) -> String? {
        guard case .scalar(let text, let style) = node.value else {
            error(node.mark, path, "must be \(what), not \(node.shapeName)")
            return nil
        }
        guard style == .plain else {
            error(node.mark, path, "must be \(what), not the quoted string \(JSONText.quoted(text))")
            return nil
        }
        return text
    }

    private mutating func integer(_ node: YAMLNode, _ path: String, min: Int?, max: Int?) -> SpecValue? {
        guard let text = plainScalar(node, path, "an integer") else { return nil }
        if let tag = node.tag, tag != YAMLTag.int {
            error(node.mark, path, "is tagged \(tag) but must be an integer")
            return nil
        }
        let digits = text.hasPrefix("+") ? String(text.dropFirst()) : text
        guard let n = Int(digits) else {
            error(node.mark, path, "\(JSONText.quoted(text)) is not an integer")
            return nil
        }
        if let min, n < min {
            error(node.mark, path, "\(n) is below the minimum of \(min)")
            return nil
        }
        if let max, n > max {
            error(node.mark, path, "\(n) is above the maximum of \(max)")
            return nil
        }
        return .int(n)
    }

    static let yaml11Booleans: Set<String> = ["yes", "no", "on", "off", "y", "n"]

    private mutating func boolean(_ node: YAMLNode, _ path: String) -> SpecValue? {
        guard let text = plainScalar(node, path, "true or false") else { return nil }
        if let tag = node.tag, tag != YAMLTag.bool {
            error(node.mark, path, "is tagged \(tag) but must be true or false")
            return nil
        }
        switch text {
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        default:
            if Self.yaml11Booleans.contains(text.lowercased()) {
                error(
                    node.mark, path,
                    "\(JSONText.quoted(text)) is a YAML 1.1 boolean that Kiln does not guess at; write true or false")
            } else {
                error(node.mark, path, "must be true or false, not \(JSONText.quoted(text))")
            }
            return nil
        }
    }

    private mutating func secret(_ node: YAMLNode, _ path: String) -> SpecValue? {
        guard let pairs = node.pairs else {
            if case .scalar = node.value, !node.isNull {
                // Never echo the value: it is a secret that should not have been committed.
                error(
                    node.mark, path,
                    "is a clear-text secret, and secrets never live in git; write {fromEnv: KILN_…} or {fromFile: NAME} and give Kiln the value on its host (then rotate the leaked one)"
                )
            } else {
                error(node.mark, path, "must be {fromEnv: NAME} or {fromFile: PATH}, not \(node.shapeName)")
            }
            return nil
        }
        guard pairs.count == 1, let key = pairs[0].key.scalar, key == "fromEnv" || key == "fromFile" else {
            let keys = pairs.compactMap(\.key.scalar)
            let hint = keys.count == 1 ? Suggestion.hint(for: keys[0], in: ["fromEnv", "fromFile"]) : ""
            error(node.mark, path, "a secret reference has exactly one key, fromEnv or fromFile\(hint)")
            return nil
        }
        let valuePath = "\(path).\(key)"
        guard let text = stringScalar(pairs[0].value, valuePath) else { return nil }
        if key == "fromEnv" {
            guard let problem = SecretReference.envNameProblem(text) else { return .object([key: .string(text)]) }
            error(pairs[0].value.mark, valuePath, problem)
            return nil
        }
        switch RepoPath.normalize(text) {
        case .failure(let e):
            error(pairs[0].value.mark, valuePath, "\(e.message) (fromFile names a file in Kiln's secrets folder)")
            return nil
        case .success(let p):
            return .object([key: .string(p)])
        }
    }

    // MARK: objects

    private mutating func object(_ node: YAMLNode, _ schema: ObjectSchema, _ path: String) -> SpecValue? {
        guard let pairs = node.pairs else {
            error(node.mark, path, "must be a mapping, not \(node.shapeName)")
            return nil
        }
        var fields: [String: SpecValue] = [:]
        var keyMarks: [String: Mark] = [:]
        let names = schema.fields.map(\.name)
        for pair in pairs {
            let key = pair.key.scalar ?? ""
            keyMarks[key] = pair.key.mark
            guard let field = schema.field(key) else {
                let suggestion = Suggestion.closest(to: key, in: names)
                let hint =
                    suggestion.map { " (did you mean \(JSONText.quoted($0))?)" }
                    ?? (names.count <= 12 ? " (known fields: \(names.joined(separator: ", ")))" : "")
                error(pair.key.mark, join(path, key), "unknown field\(hint)")
                continue
            }
            if let value = validate(pair.value, field.type, path: join(path, key)) { fields[key] = value }
        }
        let written = Set(keyMarks.keys)
        for field in schema.fields where !written.contains(field.name) {
            if field.required {
                error(
                    node.mark, path.isEmpty ? field.name : path,
                    path.isEmpty
                        ? "missing required field" : "missing required field \(JSONText.quoted(field.name))")
            } else if let value = field.defaultValue {
                fields[field.name] = value
            }
        }
        for rule in schema.rules {
            check(rule, fields: fields, written: written, keyMarks: keyMarks, at: node.mark, path: path)
        }
        return .object(fields)
    }

    private mutating func check(
        _ rule: ObjectRule, fields: [String: SpecValue], written: Set<String>,
        keyMarks: [String: Mark], at mark: Mark, path: String
    ) {
        switch rule {
        case .onlyWhen(let field, let other, let value):
            if written.contains(field), fields[other] != value {
                error(
                    keyMarks[field] ?? mark, join(path, field),
                    "is allowed only when \(other) is \(value.canonicalJSON.trimmingQuotes)")
            }
        case .atLeastOneTrue(let names):
            if !names.contains(where: { fields[$0] == .bool(true) }) {
                error(mark, path, "at least one of \(names.joined(separator: ", ")) must be true")
            }
        case .exactlyOne(let names):
            let present = names.filter(written.contains)
            if present.isEmpty {
                error(mark, path, "set one of \(names.joined(separator: ", "))")
            } else if present.count > 1 {
                let second = present.max { (keyMarks[$0] ?? mark) < (keyMarks[$1] ?? mark) }!
                error(
                    keyMarks[second] ?? mark, join(path, second),
                    "set only one of \(names.joined(separator: ", ")) (\(present.joined(separator: " and ")) are both set)"
                )
            }
        case .requires(let field, let needs):
            if written.contains(field), !written.contains(needs) {
                error(keyMarks[field] ?? mark, join(path, field), "needs \(needs) too")
            }
        }
    }
}

extension String {
    var trimmingQuotes: String {
        hasPrefix("\"") && hasSuffix("\"") && count >= 2 ? String(dropFirst().dropLast()) : self
    }
}
