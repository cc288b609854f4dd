/// The schema of each kind: the single source for validation, normalisation and `specs/*.schema.json`.
///
/// Field names and meanings come from the seed APIs: Morpheus image builds (`ImageBuild`), Moab MWS and Deltacloud
/// images (`Image`) and the VMware VM builder service (`VirtualMachine`).
public enum KindSchemas {
    public static let conversionFormats = ["qcow2", "vmdk", "vhd", "vhdx", "raw", "ovf"]
    public static let phases = ["preProvision", "provision", "postProvision"]
    public static let checksumTypes = Checksum.Algorithm.allCases.map(\.rawValue)

    /// The whole document of a kind: the envelope with that kind's `spec`.
    public static func document(_ kind: Kind) -> ObjectSchema {
        let spec: ObjectSchema =
            switch kind {
            case .imageBuild: imageBuild
            case .image: image
            case .virtualMachine: virtualMachine
            }
        return ObjectSchema(
            [
                FieldSchema(
                    "apiVersion", .string(.constant(Kind.apiVersion)), required: true, doc: "Always \(Kind.apiVersion)."
                ),
                FieldSchema("kind", .string(.constant(kind.rawValue)), required: true, doc: "The kind of object."),
                FieldSchema("metadata", .object(metadata), required: true, doc: "Name, labels and annotations."),
                FieldSchema("spec", .object(spec), required: true, doc: spec.doc)
            ], doc: "A Kiln \(kind.rawValue).")
    }

    public static let metadata = ObjectSchema([
        FieldSchema(
            "name", .string(.name), required: true,
            doc: "Letters, digits, '.', '-', '_'; 1–63 characters; unique per kind in the repository."),
        FieldSchema("labels", .map(.string(.text)), doc: "String labels, shown and filterable; no meaning to Kiln."),
        FieldSchema(
            "annotations", .map(.string(.text)), doc: "Free string annotations; the kiln.dev/ prefix is reserved.")
    ])

    /// `placement` of a kind that runs on a fleet's hosts (VMs, and builds' executions): `subject` says what runs.
    static func placement(_ subject: String, byDefault: String) -> FieldSchema {
        FieldSchema(
            "placement",
            .object(
                ObjectSchema([
                    FieldSchema(
                        "host", .string(.hostName),
                        doc:
                            "Run \(subject) on this host of the fleet only (its --host-name); one not in the fleet is reported."
                    ),
                    FieldSchema(
                        "labels", .map(.string(.text)),
                        doc: "Run \(subject) only on hosts with all these labels (--host-label key=value)."
                    )
                ])),
            doc: "Where \(subject) may run in a fleet (kiln serve on PostgreSQL); by default \(byDefault).")
    }
}
