/// The ImageBuild kind (Morpheus image builds, UForge compress).
extension KindSchemas {
    static let script = ObjectSchema([
        FieldSchema("name", .string(.name), required: true, doc: "The script's name, shown in progress and logs."),
        FieldSchema("path", .string(.repoPath), required: true, doc: "The script file, relative to the spec root."),
        FieldSchema(
            "phase", .string(.oneOf(phases)), default: .string("provision"),
            doc: "When it runs (Morpheus phases); scripts run in phase order, then as written."),
        FieldSchema("type", .string(.oneOf(["sh", "bash"])), default: .string("sh"), doc: "The interpreter."),
        FieldSchema("timeout", .string(.duration), default: .string("10m"), doc: "Killed and failed after this long."),
        FieldSchema(
            "network", .boolean, default: .bool(false), doc: "Give the script network access (off by default)."),
        FieldSchema(
            "env", .map(.string(.text), keys: .variableName),
            doc: "Environment variables passed to the script; nothing else is."),
        FieldSchema(
            "secretEnv", .map(.secret, keys: .variableName),
            doc: "Environment variables whose values are secrets, resolved at run time.")
    ])

    static let debianSource = ObjectSchema([
        FieldSchema(
            "suite", .string(.debianName), required: true, doc: "The Debian suite or codename (bookworm, stable, …)."),
        FieldSchema(
            "variant", .string(.oneOf(["minbase", "apt", "important", "standard"])), default: .string("apt"),
            doc: "mmdebstrap's package set to start from."),
        FieldSchema(
            "components", .list(.string(.debianName), unique: true), default: .list([.string("main")]),
            doc: "Archive components (main, contrib, non-free-firmware, …)."),
        FieldSchema(
            "packages", .list(.string(.debianName), unique: true), default: .list([]),
            doc: "Packages installed on top of the variant, by Debian name.")
    ])

    public static let imageBuild = ObjectSchema(
        [
            FieldSchema("description", .string(.text), doc: "What the build makes."),
            FieldSchema(
                "type", .string(.oneOf(["qemu"])), required: true, doc: "The builder (Morpheus type); Kiln ships qemu."),
            FieldSchema("group", .string(.text), doc: "Morpheus site: a grouping shown in the API."),
            FieldSchema("cloud", .string(.text), doc: "Morpheus zone: where the build runs; shown in the API."),
            FieldSchema(
                "source",
                .object(
                    ObjectSchema(
                        [
                            FieldSchema("scratch", .literalTrue, doc: "Start from an empty root filesystem."),
                            FieldSchema(
                                "url", .string(.url),
                                doc: "A root-filesystem archive (tar, tar.gz, tar.bz2, zip) over http(s)."),
                            FieldSchema(
                                "path", .string(.repoPath), doc: "A root-filesystem archive inside the repository."),
                            FieldSchema(
                                "checksum", .string(.checksum),
                                doc: "algo:hex of the archive (md5, sha1, sha256, sha512)."),
                            FieldSchema(
                                "debian", .object(debianSource),
                                doc:
                                    "A Debian root filesystem made by mmdebstrap from the operator's mirror (kiln --debian-mirror)."
                            ),
                            FieldSchema(
                                "image", .string(.name),
                                doc:
                                    "Another Kiln Image (built or imported) to start from: a layered build. Its sha256 is a build input."
                            )
                        ],
                        rules: [
                            .exactlyOne(["scratch", "url", "path", "debian", "image"]),
                            .requires(field: "url", needs: "checksum")
                        ])), required: true, doc: "The root filesystem to start from."),
            FieldSchema("bootScript", .string(.repoPath), doc: "Morpheus bootScript: runs first (phase preProvision)."),
            FieldSchema("preseedScript", .string(.repoPath), doc: "Morpheus preseedScript: runs after bootScript."),
            FieldSchema(
                "scripts", .list(.object(script)), default: .list([]), doc: "Morpheus scripts[], run in phase order."),
            FieldSchema(
                "sshUsername", .string(.text), doc: "Morpheus sshUsername, passed to scripts as KILN_SSH_USERNAME."),
            FieldSchema("sshPassword", .secret, doc: "A secret reference; never a clear-text value."),
            FieldSchema("isCloudInit", .boolean, default: .bool(false), doc: "Morpheus isCloudInit."),
            FieldSchema("vmToolsInstalled", .boolean, default: .bool(false), doc: "Morpheus vmToolsInstalled."),
            FieldSchema(
                "disk",
                .object(
                    ObjectSchema([
                        FieldSchema(
                            "size", .string(.iecSize(min: 8 << 20, max: 2 << 40)), default: .string("1gib"),
                            doc: "Disk size in IEC units (8mib to 2tib); the whole disk, partitions included."),
                        FieldSchema(
                            "filesystem", .string(.oneOf(["ext4"])), default: .string("ext4"),
                            doc: "The root filesystem."),
                        FieldSchema(
                            "label", .string(.text), default: .string("kiln-root"), doc: "The filesystem label."),
                        FieldSchema(
                            "boot", .string(.oneOf(DiskBoot.allCases.map(\.rawValue))),
                            doc:
                                "How the disk boots: uefi (GPT, EFI system partition, systemd-boot), bios (SeaBIOS, syslinux), hybrid (both), none (a bare filesystem for direct kernel boot). Default: hybrid when the root filesystem holds /boot/vmlinuz-*, none otherwise."
                        ),
                        FieldSchema(
                            "kernelCommandLine", .string(.commandLine),
                            doc:
                                "Added to the kernel command line after root= and the consoles (ttyS0 and tty0); printable ASCII, at most 1 KiB."
                        )
                    ])),
                default: .object(["size": .string("1gib"), "filesystem": .string("ext4"), "label": .string("kiln-root")]
                ),
                doc: "The disk made from the root filesystem."),
            FieldSchema(
                "provisioner", .string(.oneOf(["chroot", "ssh"])), default: .string("chroot"),
                doc:
                    "chroot: scripts run in a bwrap sandbox on the root filesystem; ssh: in a throwaway qemu VM booted from the disk, over SSH."
            ),
            FieldSchema(
                "sshTimeout", .string(.duration), default: .string("5m"),
                doc: "With provisioner ssh: how long to wait for the build VM's SSH server."),
            FieldSchema(
                "verify",
                .object(
                    ObjectSchema([
                        FieldSchema(
                            "boot", .boolean, default: .bool(true),
                            doc:
                                "Boot a disk that boots on its own under qemu (OVMF, SeaBIOS, or both for hybrid) and fail the execution if it does not."
                        ),
                        FieldSchema(
                            "consoleContains", .string(.text),
                            doc: "The serial-console text that means the image booted; default: a login prompt."),
                        FieldSchema(
                            "timeout", .string(.duration), default: .string("10m"), doc: "How long each boot may take.")
                    ])), default: .object(["boot": .bool(true), "timeout": .string("10m")]),
                doc: "Boot verification of bootable disks."),
            FieldSchema(
                "buildOutputName", .string(.name),
                doc: "Virtual images are named <buildOutputName>-<buildNumber>; default: metadata.name."),
            FieldSchema(
                "conversionFormats", .list(.string(.oneOf(conversionFormats)), unique: true), default: .list([]),
                doc: "Formats besides raw (always made): qcow2, vmdk, vhd, vhdx, raw, ovf."),
            FieldSchema(
                "compress", .string(.oneOf(["none", "gzip", "zstd"])), default: .string("none"), doc: "UForge compress."
            ),
            FieldSchema(
                "keepResults", .integer(min: 0, max: 10_000), default: .int(0),
                doc: "Keep the N newest executions; older ones go with their images. 0 keeps all (Morpheus)."),
            FieldSchema(
                "run",
                .object(
                    ObjectSchema([
                        FieldSchema(
                            "policy", .string(.oneOf(["onChange", "manual"])), default: .string("onChange"),
                            doc: "onChange: a spec change starts an execution; manual: only a new token does."),
                        FieldSchema("token", .string(.text), doc: "Change it to ask for a new execution."),
                        FieldSchema(
                            "verifyReproducible", .boolean, default: .bool(false),
                            doc:
                                "Build twice and fail the execution, listing the differing files, if the raw disks differ."
                        )
                    ])), default: .object(["policy": .string("onChange"), "verifyReproducible": .bool(false)]),
                doc: "When executions start."),
            // No schema default: existing builds keep their spec hash.
            placement("its executions", byDefault: "any host with a free build slot that fits one"),
            FieldSchema("suspend", .boolean, default: .bool(false), doc: "Record the spec but start nothing new."),
            FieldSchema("config", .freeform, default: .object([:]), doc: "Morpheus config: stored and shown as given.")
        ], doc: "An image build (Morpheus image builds): how to make disk images, run as numbered executions.")
}
