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
