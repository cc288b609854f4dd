/// The ImageBuild kind (Morpheus image builds, UForge compress).
extension KindSchemas {
    static let script = ObjectSchema([
        FieldSchema("name", .string(.name), required: true, doc: "The script's name, shown in progress and logs."),
        FieldSchema("path", .string(.repoPath), required: true, doc: "The script file, relative to the spec root."),
        FieldSchema("phase", .string(.oneOf(phases)), default: .string("provision"),
                    doc: "When it runs (Morpheus phases); scripts run in phase order, then as written."),
        FieldSchema("type", .string(.oneOf(["sh", "bash"])), default: .string("sh"), doc: "The interpreter."),
        FieldSchema("timeout", .string(.duration), default: .string("10m"), doc: "Killed and failed after this long."),
        FieldSchema("network", .boolean, default: .bool(false), doc: "Give the script network access (off by default)."),
        FieldSchema("env", .map(.string(.text)), doc: "Environment variables passed to the script; nothing else is."),
        FieldSchema("secretEnv", .map(.secret), doc: "Environment variables whose values are secrets, resolved at run time."),
    ])

    public static let imageBuild = ObjectSchema([
        FieldSchema("description", .string(.text), doc: "What the build makes."),
        FieldSchema("type", .string(.oneOf(["qemu"])), required: true, doc: "The builder (Morpheus type); Kiln ships qemu."),
        FieldSchema("group", .string(.text), doc: "Morpheus site: a grouping shown in the API."),
        FieldSchema("cloud", .string(.text), doc: "Morpheus zone: where the build runs; shown in the API."),
        FieldSchema("source", .object(ObjectSchema([
            FieldSchema("scratch", .literalTrue, doc: "Start from an empty root filesystem."),
            FieldSchema("url", .string(.url), doc: "A root-filesystem archive (tar, tar.gz, tar.bz2, zip) over http(s)."),
            FieldSchema("path", .string(.repoPath), doc: "A root-filesystem archive inside the repository."),
            FieldSchema("checksum", .string(.checksum), doc: "algo:hex of the archive (md5, sha1, sha256, sha512)."),
        ], rules: [
            .exactlyOne(["scratch", "url", "path"]),
            .requires(field: "url", needs: "checksum"),
        ])), required: true, doc: "The root filesystem to start from."),
        FieldSchema("bootScript", .string(.repoPath), doc: "Morpheus bootScript: runs first (phase preProvision)."),
        FieldSchema("preseedScript", .string(.repoPath), doc: "Morpheus preseedScript: runs after bootScript."),
        FieldSchema("scripts", .list(.object(script)), default: .list([]), doc: "Morpheus scripts[], run in phase order."),
        FieldSchema("sshUsername", .string(.text), doc: "Morpheus sshUsername, passed to scripts as KILN_SSH_USERNAME."),
        FieldSchema("sshPassword", .secret, doc: "A secret reference; never a clear-text value."),
        FieldSchema("isCloudInit", .boolean, default: .bool(false), doc: "Morpheus isCloudInit."),
        FieldSchema("vmToolsInstalled", .boolean, default: .bool(false), doc: "Morpheus vmToolsInstalled."),
        FieldSchema("disk", .object(ObjectSchema([
            FieldSchema("size", .string(.iecSize(min: 8 << 20, max: 2 << 40)), default: .string("1gib"),
                        doc: "Disk size in IEC units (8mib to 2tib)."),
            FieldSchema("filesystem", .string(.oneOf(["ext4"])), default: .string("ext4"), doc: "The root filesystem."),
            FieldSchema("label", .string(.text), default: .string("kiln-root"), doc: "The filesystem label."),
        ])), default: .object(["size": .string("1gib"), "filesystem": .string("ext4"), "label": .string("kiln-root")]),
            doc: "The disk made from the root filesystem."),
        FieldSchema("buildOutputName", .string(.name), doc: "Virtual images are named <buildOutputName>-<buildNumber>; default: metadata.name."),
        FieldSchema("conversionFormats", .list(.string(.oneOf(conversionFormats)), unique: true), default: .list([]),
                    doc: "Formats besides raw (always made): qcow2, vmdk, vhd, vhdx, raw, ovf."),
        FieldSchema("compress", .string(.oneOf(["none", "gzip", "zstd"])), default: .string("none"), doc: "UForge compress."),
        FieldSchema("keepResults", .integer(min: 0, max: 10_000), default: .int(0),
                    doc: "Keep the N newest executions; older ones go with their images. 0 keeps all (Morpheus)."),
        FieldSchema("run", .object(ObjectSchema([
            FieldSchema("policy", .string(.oneOf(["onChange", "manual"])), default: .string("onChange"),
                        doc: "onChange: a spec change starts an execution; manual: only a new token does."),
            FieldSchema("token", .string(.text), doc: "Change it to ask for a new execution."),
        ])), default: .object(["policy": .string("onChange")]), doc: "When executions start."),
        FieldSchema("suspend", .boolean, default: .bool(false), doc: "Record the spec but start nothing new."),
        FieldSchema("config", .freeform, default: .object([:]), doc: "Morpheus config: stored and shown as given."),
    ], doc: "An image build (Morpheus image builds): how to make disk images, run as numbered executions.")
}
