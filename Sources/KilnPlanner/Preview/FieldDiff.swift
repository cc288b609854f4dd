import KilnSpec

/// One changed field between two versions of an object.
public struct FieldChange: Sendable, Hashable {
    /// A dotted path (`spec.scripts[1].timeout`).
    public var path: String
    public var old: SpecValue?
    public var new: SpecValue?
}

/// Field-level differences between two (masked) documents.
public enum FieldDiff {
    public static func changes(from old: SpecValue, to new: SpecValue) -> [FieldChange] {
        var out: [FieldChange] = []
        walk(old, new, path: "", into: &out)
        return out
    }

    /// Changes between two versions of an object with secrets masked. A changed secret reference still shows, at the
    /// secret's path, as `"************"` → `"************ (changed)"`: a reviewer sees that it changed, never what.
    public static func maskedChanges(from old: SpecObject, to new: SpecObject) -> [FieldChange] {
        let maskedOld = SecretMasker.masked(old)
        let maskedNew = SecretMasker.masked(new)
        var out = changes(from: maskedOld, to: maskedNew)
        var reported = Set(out.map(\.path))
        for change in changes(from: old.document, to: new.document) {
            guard
                let secret = maskedAncestor(of: change.path, in: maskedNew)
                    ?? maskedAncestor(of: change.path, in: maskedOld),
                !reported.contains(secret)
            else { continue }
            reported.insert(secret)
            out.append(
                FieldChange(
                    path: secret, old: .string(SecretReference.mask),
                    new: .string(SecretReference.mask + " (changed)")))
        }
        return out.sorted { $0.path < $1.path }
    }

    /// The first prefix of `path` whose value in `document` is the secret mask.
    static func maskedAncestor(of path: String, in document: SpecValue) -> String? {
        var value: SpecValue? = document
        var prefix = ""
        for part in path.split(separator: ".") {
            var key = Substring(part)
            var indexes: [Int] = []
            while let open = key.lastIndex(of: "["), key.hasSuffix("]"),
                let n = Int(key[key.index(after: open)..<key.index(before: key.endIndex)])
            {
                indexes.insert(n, at: 0)
                key = key[..<open]
            }
            value = value?[String(key)]
            prefix += prefix.isEmpty ? String(key) : ".\(key)"
            if value == .string(SecretReference.mask) { return prefix }
            for n in indexes {
                guard let items = value?.list, n < items.count else { return nil }
                value = items[n]
                prefix += "[\(n)]"
                if value == .string(SecretReference.mask) { return prefix }
            }
        }
        return nil
    }

    private static func walk(_ old: SpecValue?, _ new: SpecValue?, path: String, into out: inout [FieldChange]) {
        if old == new { return }
        switch (old, new) {
        case (.object(let a)?, .object(let b)?):
            for key in Set(a.keys).union(b.keys).sorted() {
                walk(a[key], b[key], path: path.isEmpty ? key : "\(path).\(key)", into: &out)
            }
        case (.list(let a)?, .list(let b)?) where a.count == b.count:
            for i in a.indices { walk(a[i], b[i], path: "\(path)[\(i)]", into: &out) }
        default:
            out.append(FieldChange(path: path, old: old, new: new))
        }
    }
}
