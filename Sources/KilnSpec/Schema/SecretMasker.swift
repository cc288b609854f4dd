/// Replaces every secret field of a spec value with ``SecretReference/mask``, following the kind's schema, so that
/// plans, status files, logs and API answers never show even a secret's reference.
public enum SecretMasker {
    public static func masked(spec: SpecValue, kind: Kind) -> SpecValue {
        guard case .object(let schema) = KindSchemas.document(kind).field("spec")?.type else { return spec }
        return mask(spec, .object(schema))
    }

    /// The masked `document` of an object (apiVersion, kind, metadata, spec).
    public static func masked(_ object: SpecObject) -> SpecValue {
        guard case .object(var fields) = object.document else { return object.document }
        fields["spec"] = masked(spec: object.spec, kind: object.key.kind)
        return .object(fields)
    }

    static func mask(_ value: SpecValue, _ type: SchemaType) -> SpecValue {
        switch (type, value) {
        case (.secret, _):
            return .string(SecretReference.mask)
        case (.object(let schema), .object(let fields)):
            var out = fields
            for (key, child) in fields {
                if let field = schema.field(key) { out[key] = mask(child, field.type) }
            }
            return .object(out)
        case (.nameOrObject(_, let schema), .object):
            return mask(value, .object(schema))
        case (.list(let item, _), .list(let items)):
            return .list(items.map { mask($0, item) })
        case (.map(let valueType, _), .object(let fields)):
            return .object(fields.mapValues { mask($0, valueType) })
        default:
            return value
        }
    }
}
