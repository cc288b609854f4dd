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
        let spec: ObjectSchema = switch kind {
        case .imageBuild: imageBuild
        case .image: image
        case .virtualMachine: virtualMachine
        }
        return ObjectSchema([
            FieldSchema("apiVersion", .string(.constant(Kind.apiVersion)), required: true, doc: "Always \(Kind.apiVersion)."),
            FieldSchema("kind", .string(.constant(kind.rawValue)), required: true, doc: "The kind of object."),
            FieldSchema("metadata", .object(metadata), required: true, doc: "Name, labels and annotations."),
            FieldSchema("spec", .object(spec), required: true, doc: spec.doc),
        ], doc: "A Kiln \(kind.rawValue).")
    }

    public static let metadata = ObjectSchema([
        FieldSchema("name", .string(.name), required: true,
                    doc: "Letters, digits, '.', '-', '_'; 1–63 characters; unique per kind in the repository."),
        FieldSchema("labels", .map(.string(.text)), doc: "String labels, shown and filterable; no meaning to Kiln."),
        FieldSchema("annotations", .map(.string(.text)), doc: "Free string annotations; the kiln.dev/ prefix is reserved."),
    ])

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

    public static let image = ObjectSchema([
        FieldSchema("description", .string(.text), doc: "Deltacloud description."),
        FieldSchema("osType", .string(.text), required: true, doc: "MWS osType, for example linux."),
        FieldSchema("architecture", .string(.oneOf(["x86_64", "i386", "aarch64"])), default: .string("x86_64"),
                    doc: "Deltacloud architecture."),
        FieldSchema("owner", .string(.text), doc: "Deltacloud owner_id."),
        FieldSchema("hypervisor", .boolean, required: true, doc: "MWS: is this a hypervisor image."),
        FieldSchema("hypervisorType", .string(.text), doc: "MWS: only when hypervisor is true (ESX, KVM …)."),
        FieldSchema("type", .string(.oneOf(["stateful", "stateless", "linkedclone"])), default: .string("stateful"),
                    doc: "MWS image type."),
        FieldSchema("templateName", .string(.text), doc: "MWS: only with type linkedclone."),
        FieldSchema("supportsPhysicalMachine", .boolean, default: .bool(false), doc: "MWS; at least one of the two is true."),
        FieldSchema("supportsVirtualMachine", .boolean, default: .bool(false), doc: "MWS; at least one of the two is true."),
        FieldSchema("active", .boolean, default: .bool(true), doc: "MWS active."),
        FieldSchema("features", .list(.string(.text), unique: true), default: .list([]), doc: "MWS features."),
        FieldSchema("extensions", .freeform, default: .object([:]), doc: "MWS extensions (xcat …), kept as given."),
        FieldSchema("virtualizedImages", .list(.string(.name), unique: true),
                    doc: "MWS: names of the Images this hypervisor image can run; only when hypervisor is true."),
        FieldSchema("source", .object(ObjectSchema([
            FieldSchema("build", .string(.name), doc: "An ImageBuild: the newest successful execution's image."),
            FieldSchema("format", .string(.oneOf(conversionFormats)), default: .string("qcow2"),
                        doc: "Which of the build's formats."),
            FieldSchema("url", .string(.url), doc: "An external disk image over http(s)."),
            FieldSchema("checksum", .string(.checksum), doc: "algo:hex of the external image."),
            FieldSchema("snapshotOf", .string(.name), doc: "A stopped VirtualMachine whose disk becomes the image."),
        ], rules: [
            .exactlyOne(["build", "url", "snapshotOf"]),
            .requires(field: "format", needs: "build"),
            .requires(field: "url", needs: "checksum"),
            .requires(field: "checksum", needs: "url"),
        ])), doc: "Where the image's bits come from; without it the image is a catalog entry only."),
    ], rules: [
        .onlyWhen(field: "hypervisorType", other: "hypervisor", equals: .bool(true)),
        .onlyWhen(field: "virtualizedImages", other: "hypervisor", equals: .bool(true)),
        .onlyWhen(field: "templateName", other: "type", equals: .string("linkedclone")),
        .atLeastOneTrue(["supportsPhysicalMachine", "supportsVirtualMachine"]),
    ], doc: "An image (Moab MWS and Deltacloud images).")

    public static let virtualMachine = ObjectSchema([
        FieldSchema("image", .nameOrObject(.name, ObjectSchema([
            FieldSchema("url", .string(.url), required: true, doc: "A disk image over http(s)."),
            FieldSchema("checksum", .string(.hexDigest), required: true, doc: "Hex digest (VM builder service)."),
            FieldSchema("checksumType", .string(.oneOf(checksumTypes)), required: true, doc: "md5, sha1, sha256 or sha512."),
        ])), required: true, doc: "An Image name, or {url, checksum, checksumType} as in the VM builder service."),
        FieldSchema("cpus", .integer(min: 1, max: 64), default: .int(1), doc: "Virtual CPUs."),
        FieldSchema("memory", .string(.iecSize(min: 16 << 20, max: 1 << 40)), default: .string("512mib"),
                    doc: "IEC units only: 1gib, 1024mib, 1048576kib."),
        FieldSchema("networkType", .string(.oneOf(["nat", "bridged", "hostonly"])), default: .string("nat"),
                    doc: "VM builder network_type."),
        FieldSchema("launchGui", .boolean, default: .bool(false), doc: "VM builder launch_gui; a headless host says so."),
        FieldSchema("callbackUrl", .string(.url), doc: "POSTed once the VM is up or has failed."),
        FieldSchema("powerState", .string(.oneOf(["running", "stopped"])), default: .string("running"), doc: "Wanted power state."),
        FieldSchema("toolsInitTimeout", .string(.duration), default: .string("0s"),
                    doc: "How long to wait for the guest agent (VM builder tools_init_timeout)."),
        FieldSchema("ready", .object(ObjectSchema([
            FieldSchema("consoleContains", .string(.text), doc: "A serial-console line that means the guest is up."),
        ])), doc: "Readiness probe for guests without an agent."),
        FieldSchema("suspend", .boolean, default: .bool(false), doc: "Record the spec but change nothing."),
    ], doc: "A virtual machine (the VM builder service).")
}
