import KilnCatalog
import KilnSpec

/// Catalog images in the Moab MWS shape: the seed's fields, with a stable 24-hex `id` and the catalog entry's
/// revision counter as `version`.
public enum MWSMapping {
    public static func image(_ record: ImageRecord) -> SpecValue {
        let spec = record.typed
        return .object([
            "active": .bool(spec.active),
            "extensions": spec.extensions,
            "features": .list(spec.features.map(SpecValue.string)),
            "hypervisor": .bool(spec.hypervisor),
            "hypervisorType": spec.hypervisorType.map(SpecValue.string) ?? .null,
            "id": .string(StableID.mws(record.name)),
            "name": .string(record.name),
            "osType": .string(spec.osType),
            "supportsPhysicalMachine": .bool(spec.supportsPhysicalMachine),
            "supportsVirtualMachine": .bool(spec.supportsVirtualMachine),
            "templateName": spec.templateName.map(SpecValue.string) ?? .null,
            "type": .string(spec.type),
            "version": .int(record.version),
            "virtualizedImages": .list(
                spec.virtualizedImages.map { name in
                    .object(["id": .string(StableID.mws(name)), "name": .string(name)])
                })
        ])
    }

    /// Keeps only the named fields (`fields=id,name`; dotted paths keep nested parts).
    public static func project(_ document: SpecValue, _ fields: [[String]]) -> SpecValue {
        guard !fields.isEmpty else { return document }
        var out = SpecValue.object([:])
        for path in fields {
            guard let value = lookup(path[...], in: document) else { continue }
            out = insert(value, at: path[...], into: out)
        }
        return out
    }

    static func lookup(_ path: ArraySlice<String>, in value: SpecValue) -> SpecValue? {
        guard let key = path.first else { return value }
        guard let child = value[key] else { return nil }
        return lookup(path.dropFirst(), in: child)
    }

    static func insert(_ value: SpecValue, at path: ArraySlice<String>, into target: SpecValue) -> SpecValue {
        guard let key = path.first, case .object(var fields) = target else { return value }
        fields[key] = path.count == 1 ? value : insert(value, at: path.dropFirst(), into: fields[key] ?? .object([:]))
        return .object(fields)
    }
}
