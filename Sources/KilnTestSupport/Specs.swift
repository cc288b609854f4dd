/// Spec documents for tests (the one copy: unit tests parse them in memory, end-to-end tests commit them), small
/// enough that a build takes a second or two: a scratch root filesystem that one script writes a file into, a 16 MiB
/// disk, qcow2 only, and VMs that stay stopped unless asked otherwise.
public enum Specs {
    /// A provisioning script that writes `text` into `/etc/kiln-test` of the image, after sleeping `sleep` seconds
    /// (to keep a build running while a test does something to it).
    public static func script(writing text: String, sleep: Int = 0) -> String {
        """
        #!/bin/sh
        set -eu
        \(sleep > 0 ? "sleep \(sleep)\n" : "")mkdir -p "$KILN_ROOTFS/etc"
        echo \(ChildProcess.quoted(text)) > "$KILN_ROOTFS/etc/kiln-test"
        echo "wrote /etc/kiln-test"

        """
    }

    /// An `ImageBuild` running `script` (a path under the spec root).
    public static func build(
        _ name: String, script: String = "scripts/provision.sh", formats: [String] = ["qcow2"],
        keepResults: Int = 0, token: String? = "1", policy: String = "onChange", suspend: Bool = false,
        description: String? = nil, extra: [String] = []
    ) -> String {
        var lines = [
            "apiVersion: kiln.dev/v1",
            "kind: ImageBuild",
            "metadata:",
            "  name: \(name)",
            "spec:"
        ]
        if let description { lines.append("  description: \(description)") }
        lines += [
            "  type: qemu",
            "  source:",
            "    scratch: true",
            "  scripts:",
            "    - {name: provision, path: \(script), phase: provision, timeout: 2m}",
            "  disk:",
            "    size: 16mib",
            "  conversionFormats: [\(formats.joined(separator: ", "))]",
            "  keepResults: \(keepResults)"
        ]
        lines += ["  run:", "    policy: \(policy)"] + (token.map { ["    token: \"\($0)\""] } ?? [])
        if suspend { lines.append("  suspend: true") }
        return (lines + extra.map { "  " + $0 }).joined(separator: "\n") + "\n"
    }

    /// An `Image` made from the newest successful execution of `build` (without one, a catalog entry).
    public static func image(_ name: String, build: String? = nil, format: String = "qcow2") -> String {
        guard let build else { return catalogImage(name) }
        return """
            apiVersion: kiln.dev/v1
            kind: Image
            metadata:
              name: \(name)
            spec:
              osType: linux
              hypervisor: false
              supportsVirtualMachine: true
              source:
                build: \(build)
                format: \(format)

            """
    }

    /// An `Image` made by flattening VM `vm`'s disk once it is stopped; a new `token` takes the snapshot again.
    public static func snapshotImage(_ name: String, of vm: String, token: String = "1") -> String {
        importedImage(name, source: #"{snapshotOf: \#(vm), token: "\#(token)"}"#)
    }

    /// An `Image` downloaded from `url` and checked against `checksum` (`sha256:HEX`).
    public static func urlImage(_ name: String, url: String, checksum: String) -> String {
        importedImage(name, source: #"{url: "\#(url)", checksum: "\#(checksum)"}"#)
    }

    /// An `Image` whose file Kiln imports from `source` (a flow mapping).
    static func importedImage(_ name: String, source: String) -> String {
        """
        apiVersion: kiln.dev/v1
        kind: Image
        metadata: {name: \(name)}
        spec:
          osType: linux
          hypervisor: false
          supportsVirtualMachine: true
          source: \(source)

        """
    }

    /// An `Image` that is only a catalog entry (no source): nothing to build or download.
    public static func catalogImage(_ name: String) -> String {
        """
        apiVersion: kiln.dev/v1
        kind: Image
        metadata:
          name: \(name)
        spec:
          osType: linux
          hypervisor: false
          supportsVirtualMachine: true

        """
    }

    /// A `VirtualMachine` on `image`, stopped unless asked otherwise; `suspend` stops Kiln from acting on it.
    public static func vm(
        _ name: String, image: String, cpus: Int = 1, memory: String = "128mib", networkType: String = "nat",
        powerState: String = "stopped", suspend: Bool = false
    ) -> String {
        """
        apiVersion: kiln.dev/v1
        kind: VirtualMachine
        metadata:
          name: \(name)
        spec:
          image: \(image)
          cpus: \(cpus)
          memory: \(memory)
          networkType: \(networkType)
          powerState: \(powerState)

        """ + (suspend ? "  suspend: true\n" : "")
    }

    /// Several documents in one file.
    public static func documents(_ documents: String...) -> String {
        documents.joined(separator: "---\n")
    }
}
