import KilnSpec

/// The spec repository the catalog fixture was applied from: one build with a secret, the image it feeds and a VM on
/// that image, parsed and normalised by Kiln's own loader so that the records hold what a real pass would store.
enum SpecFixture {
    static let revision = Revision(
        id: "1f0c2a9e5d7b3c4a8e6f1d2b9c0a7e5f3d1b8c6a", author: "Ada Lovelace",
        email: "ada@example.org", message: "Add busybox")

    static let files: [String: String] = [
        "builds/busybox.yaml": """
        apiVersion: kiln.dev/v1
        kind: ImageBuild
        metadata: {name: busybox}
        spec:
          description: Busybox root filesystem
          type: qemu
          source: {scratch: true}
          scripts:
            - {name: install, path: scripts/install.sh, secretEnv: {API_KEY: {fromFile: api-key}}}
          sshUsername: root
          sshPassword: {fromEnv: KILN_X}
          conversionFormats: [qcow2, vmdk]
          keepResults: 2
        """,
        "images/busybox.yaml": """
        apiVersion: kiln.dev/v1
        kind: Image
        metadata: {name: busybox}
        spec:
          osType: linux
          architecture: x86_64
          hypervisor: false
          supportsVirtualMachine: true
          source: {build: busybox, format: qcow2}
        """,
        "vms/hello-1.yaml": """
        apiVersion: kiln.dev/v1
        kind: VirtualMachine
        metadata: {name: hello-1}
        spec: {image: busybox, cpus: 2, memory: 256mib, networkType: nat, powerState: running, toolsInitTimeout: 30s}
        """,
        "vms/hello-2.yaml": """
        apiVersion: kiln.dev/v1
        kind: VirtualMachine
        metadata: {name: hello-2}
        spec:
          image:
            url: https://images.example.org/disk.qcow2
            checksum: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
            checksumType: sha256
          cpus: 1
          memory: 512mib
        """,
        "scripts/install.sh": "#!/bin/sh\necho install\n"
    ]

    struct Tree: TreeLookup {
        let files: [String: String]
        func entry(at path: String) -> TreeEntry? {
            files[path].map { TreeEntry(type: .file, digest: Digest.sha256Hex($0)) }
        }
    }

    static func snapshot() throws -> Snapshot {
        let parsed = files.keys.sorted().filter(SourceLimits.isSpecFile).map {
            DocumentParser.parse(path: $0, text: files[$0]!)
        }
        return try SnapshotAssembler.assemble(files: parsed, tree: Tree(files: files), revision: revision).get()
    }
}
