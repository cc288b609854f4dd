import KilnYAML

/// Parses one spec file into objects: YAML, the envelope, the kind's schema and the checks that need only the
/// document itself. A pure function of the file's path and bytes.
public enum DocumentParser {
    public static func parse(path: String, bytes: [UInt8], limits: YAMLLimits = .default) -> ParsedFile {
        // cloud-init user-data (a VM's `cloudInit.userData`) lives beside the specs but is not one: cloud-init needs
        // its first line to be `#cloud-config`, and no spec starts that way. It is checked where a VM names it.
        if bytes.starts(with: Array(CloudInitUserData.header.utf8)) {
            return ParsedFile(path: path, objects: [], errors: [], declared: [], size: bytes.count)
        }
        if HostsFile.isHostsFile(path) { return HostsFile.parse(path: path, bytes: bytes, limits: limits) }
        let loaded = YAMLLoader.load(bytes, file: path, limits: limits)
        var result = ParsedFile(
            path: path, objects: [], errors: loaded.errors.map(SpecError.init), declared: [],
            size: bytes.count)
        for document in loaded.documents {
            guard let root = document.root, !root.isNull else { continue }
            parse(document: root, into: &result)
        }
        return result
    }

    public static func parse(path: String, text: String, limits: YAMLLimits = .default) -> ParsedFile {
        parse(path: path, bytes: Array(text.utf8), limits: limits)
    }

    private static func parse(document root: YAMLNode, into result: inout ParsedFile) {
        let file = result.path
        guard let pairs = root.pairs else {
            result.errors.append(
                SpecError(
                    file: file, mark: root.mark,
                    message:
                        "a spec document must be a mapping with apiVersion, kind, metadata and spec, not \(root.shapeName)"
                ))
            return
        }
        func value(_ key: String) -> YAMLNode? { pairs.first { $0.key.scalar == key }?.value }
        guard let kindNode = value("kind") else {
            result.errors.append(
                SpecError(
                    file: file, mark: root.mark, path: "kind",
                    message: "missing required field (one of \(Kind.allCases.map(\.rawValue).joined(separator: ", ")))")
            )
            return
        }
        let kindText = kindNode.scalar ?? ""
        guard let kind = Kind(rawValue: kindText) else {
            let names = Kind.allCases.map(\.rawValue)
            result.errors.append(
                SpecError(
                    file: file, mark: kindNode.mark, path: "kind",
                    message:
                        "\(JSONText.quoted(kindText)) is not a kind Kiln knows (\(names.joined(separator: ", ")))\(Suggestion.hint(for: kindText, in: names))"
                ))
            return
        }
        let nameNode = value("metadata").flatMap { meta in meta.pairs?.first { $0.key.scalar == "name" }?.value }
        if let nameNode, let name = nameNode.scalar, ResourceName.check(name) == nil {
            result.declared.append(
                DeclaredObject(
                    key: ObjectKey(kind, name), file: file, line: nameNode.mark.line,
                    column: nameNode.mark.column))
        }

        var validator = SchemaValidator(file: file)
        let document = validator.validate(root, .object(KindSchemas.document(kind)), path: "")
        var errors = validator.errors
        guard errors.isEmpty, let document, let spec = document["spec"], let meta = document["metadata"] else {
            result.errors += errors
            return
        }
        let metadata = ObjectMetadata(meta)
        var object = SpecObject(
            key: ObjectKey(kind, metadata.name), metadata: metadata, spec: spec, file: file,
            line: validator.marks["metadata.name"]?.line ?? root.mark.line,
            column: validator.marks["metadata.name"]?.column ?? root.mark.column,
            marks: validator.marks)
        errors += checks(object)
        // The object lives as long as its snapshot: it keeps only the marks that checks across documents point at.
        object.marks = object.marks.filter { SnapshotAssembler.checksAcrossDocuments(at: $0.key) }
        if errors.isEmpty {
            result.objects.append(object)
        } else {
            result.errors += errors
        }
    }

    /// Rules that need more than one field's schema but only this document.
    static func checks(_ object: SpecObject) -> [SpecError] {
        var errors: [SpecError] = []
        func fail(_ path: String, _ message: String) {
            let mark = object.mark(path)
            errors.append(SpecError(file: object.file, mark: mark, path: path, message: message))
        }
        for key in object.metadata.annotations.keys.sorted() where key.hasPrefix(ObjectMetadata.reservedPrefix) {
            fail(
                "metadata.annotations.\(key)",
                "annotations under \(ObjectMetadata.reservedPrefix) are reserved for Kiln")
        }
        switch object.typed {
        case .virtualMachine(let vm):
            if !vm.forwards.isEmpty, vm.networkType != .nat {
                fail(
                    "spec.forwards",
                    "forwards are allowed only with networkType: nat (user-mode networking), not \(vm.networkType.rawValue)"
                )
            }
            var hosts: [Int: Int] = [:]
            for (i, forward) in vm.forwards.enumerated() {
                if let first = hosts[forward.host] {
                    fail(
                        "spec.forwards[\(i)].host",
                        "host port \(forward.host) is forwarded twice (first at spec.forwards[\(first)])")
                } else {
                    hosts[forward.host] = i
                }
            }
            if case .url = vm.image, let text = object.spec["image"]?["checksum"]?.string {
                let type = object.spec["image"]?["checksumType"]?.string
                if text.contains(":") {
                    // algo:hex, already checked by the schema; a checksumType beside it must name the same algorithm.
                    if let type, let prefix = text.split(separator: ":").first, prefix.lowercased() != type {
                        fail(
                            "spec.image.checksumType",
                            "checksumType \(type) conflicts with the checksum's \(prefix): prefix; give one of them")
                    }
                } else if let type {
                    if let algorithm = Checksum.Algorithm(rawValue: type),
                        case .failure(let e) = Checksum.parseHex(text, algorithm: algorithm)
                    {
                        fail("spec.image.checksum", e.message)
                    }
                } else {
                    fail(
                        "spec.image",
                        #"missing required field "checksumType": a bare hex checksum needs one (md5, sha1, sha256 or sha512); or write checksum: sha256:HEX"#
                    )
                }
            }
        case .imageBuild(let build):
            var names: [String: String] = [:]
            for (i, script) in build.scripts.enumerated() {
                if let first = names[script.name] {
                    fail(
                        "spec.scripts[\(i)].name",
                        "script name \(JSONText.quoted(script.name)) is used twice (first at \(first))")
                } else {
                    names[script.name] = "spec.scripts[\(i)]"
                }
            }
        case .image:
            break
        }
        return errors
    }
}
