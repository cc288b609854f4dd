/// The Image kind (Moab MWS and Deltacloud images).
extension KindSchemas {
    public static let image = ObjectSchema(
        [
            FieldSchema("description", .string(.text), doc: "Deltacloud description."),
            FieldSchema("osType", .string(.text), required: true, doc: "MWS osType, for example linux."),
            FieldSchema(
                "architecture", .string(.oneOf(["x86_64", "i386", "aarch64"])), default: .string("x86_64"),
                doc: "Deltacloud architecture."),
            FieldSchema("owner", .string(.text), doc: "Deltacloud owner_id."),
            FieldSchema("hypervisor", .boolean, required: true, doc: "MWS: is this a hypervisor image."),
            FieldSchema("hypervisorType", .string(.text), doc: "MWS: only when hypervisor is true (ESX, KVM …)."),
            FieldSchema(
                "type", .string(.oneOf(["stateful", "stateless", "linkedclone"])), default: .string("stateful"),
                doc: "MWS image type."),
            FieldSchema("templateName", .string(.text), doc: "MWS: only with type linkedclone."),
            FieldSchema(
                "supportsPhysicalMachine", .boolean, default: .bool(false), doc: "MWS; at least one of the two is true."
            ),
            FieldSchema(
                "supportsVirtualMachine", .boolean, default: .bool(false), doc: "MWS; at least one of the two is true."),
            FieldSchema("active", .boolean, default: .bool(true), doc: "MWS active."),
            FieldSchema("features", .list(.string(.text), unique: true), default: .list([]), doc: "MWS features."),
            FieldSchema("extensions", .freeform, default: .object([:]), doc: "MWS extensions (xcat …), kept as given."),
            FieldSchema(
                "virtualizedImages", .list(.string(.name), unique: true),
                doc: "MWS: names of the Images this hypervisor image can run; only when hypervisor is true."),
            FieldSchema(
                "source",
                .object(
                    ObjectSchema(
                        [
                            FieldSchema(
                                "build", .string(.name), doc: "An ImageBuild: the newest successful execution's image."),
                            FieldSchema(
                                "format", .string(.oneOf(conversionFormats)), default: .string("qcow2"),
                                doc: "Which of the build's formats."),
                            FieldSchema("url", .string(.url), doc: "An external disk image over http(s)."),
                            FieldSchema("checksum", .string(.checksum), doc: "algo:hex of the external image."),
                            FieldSchema(
                                "snapshotOf", .string(.name),
                                doc: "A stopped VirtualMachine whose disk becomes the image."),
                            FieldSchema(
                                "token", .string(.text), doc: "With snapshotOf: change it to take a new snapshot.")
                        ],
                        rules: [
                            .exactlyOne(["build", "url", "snapshotOf"]),
                            .requires(field: "format", needs: "build"),
                            .requires(field: "url", needs: "checksum"),
                            .requires(field: "checksum", needs: "url"),
                            .requires(field: "token", needs: "snapshotOf")
                        ])), doc: "Where the image's bits come from; without it the image is a catalog entry only.")
        ],
        rules: [
            .onlyWhen(field: "hypervisorType", other: "hypervisor", equals: .bool(true)),
            .onlyWhen(field: "virtualizedImages", other: "hypervisor", equals: .bool(true)),
            .onlyWhen(field: "templateName", other: "type", equals: .string("linkedclone")),
            .atLeastOneTrue(["supportsPhysicalMachine", "supportsVirtualMachine"])
        ], doc: "An image (Moab MWS and Deltacloud images).")
}
