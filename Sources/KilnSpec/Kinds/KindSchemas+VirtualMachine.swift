/// The VirtualMachine kind (the VMware VM builder service).
extension KindSchemas {
    public static let virtualMachine = ObjectSchema(
        [
            FieldSchema(
                "image",
                .nameOrObject(
                    .name,
                    ObjectSchema([
                        FieldSchema("url", .string(.url), required: true, doc: "A disk image over http(s)."),
                        FieldSchema(
                            "checksum", .string(.hexDigest), required: true,
                            doc: "Hex digest with checksumType (VM builder service), or algo:hex on its own."),
                        FieldSchema(
                            "checksumType", .string(.oneOf(checksumTypes)),
                            doc:
                                "md5, sha1, sha256 or sha512; needed by a bare hex checksum, and must agree with an algo: prefix."
                        )
                    ])), required: true,
                doc: "An Image name, or {url, checksum, checksumType} as in the VM builder service."),
            FieldSchema("cpus", .integer(min: 1, max: 64), default: .int(1), doc: "Virtual CPUs."),
            FieldSchema(
                "memory", .string(.iecSize(min: 16 << 20, max: 1 << 40)), default: .string("512mib"),
                doc: "IEC units only: 1gib, 1024mib, 1048576kib."),
            FieldSchema(
                "networkType", .string(.oneOf(NetworkType.allCases.map(\.rawValue))), default: .string("nat"),
                doc: "VM builder network_type."),
            // No schema default, like bootTimeout: existing VMs keep their spec hash.
            FieldSchema(
                "forwards",
                .list(
                    .object(
                        ObjectSchema([
                            FieldSchema(
                                "host", .integer(min: 1, max: 65535), required: true,
                                doc: "A TCP port on the host's loopback (127.0.0.1)."),
                            FieldSchema(
                                "guest", .integer(min: 1, max: 65535), required: true,
                                doc: "The guest's TCP port it reaches.")
                        ]))),
                doc:
                    "With networkType: nat, TCP ports forwarded from the host's loopback (never other addresses) to the guest."
            ),
            FieldSchema(
                "launchGui", .boolean, default: .bool(false), doc: "VM builder launch_gui; a headless host says so."),
            FieldSchema("callbackUrl", .string(.url), doc: "POSTed once the VM is up or has failed."),
            FieldSchema(
                "powerState", .string(.oneOf(PowerState.allCases.map(\.rawValue))), default: .string("running"),
                doc: "Wanted power state."),
            FieldSchema(
                "toolsInitTimeout", .string(.duration), default: .string("0s"),
                doc: "How long to wait for the guest agent (VM builder tools_init_timeout)."),
            // No schema default: a default written into every normalised spec would change the hash of every existing VM.
            FieldSchema(
                "bootTimeout", .string(.duration),
                doc:
                    "How long the guest may take to become ready (default 5m); past it the VM is reported BootTimeout and keeps running."
            ),
            FieldSchema(
                "ready",
                .object(
                    ObjectSchema([
                        FieldSchema(
                            "consoleContains", .string(.text), doc: "A serial-console line that means the guest is up.")
                    ])), doc: "Readiness probe for guests without an agent."),
            FieldSchema(
                "cloudInit",
                .object(
                    ObjectSchema([
                        FieldSchema(
                            "userData", .string(.repoPath), required: true,
                            doc:
                                "A #cloud-config file of the spec root (same commit); secrets in it only as {fromFile}/{fromEnv}."
                        )
                    ])),
                doc:
                    "A cloud-init NoCloud seed with this user-data (plus the VM's hostname and the operator's SSH keys)."
            ),
            // No schema default: existing VMs keep their spec hash.
            placement("it", byDefault: "the host with the most free memory that fits it"),
            FieldSchema("suspend", .boolean, default: .bool(false), doc: "Record the spec but change nothing.")
        ], doc: "A virtual machine (the VM builder service).")
}
