import Foundation

/// Plain spec folders (not git repositories) for `kiln validate`.
enum SpecFolder {
    /// A folder with one mistake of each sort (path → text).
    static let mistakes: [String: String] = [
        "scripts/ok.sh": "#!/bin/sh\ntrue\n",
        "builds/web.yaml": """
        apiVersion: kiln.dev/v1
        kind: ImageBuild
        metadata:
          name: web
        spec:
          type: qemu
          source:
            scratch: true
          sshPassword: hunter2
          disk: {size: 1gb}
          conversionFormats: [qcow2, vdi]

        """,
        "builds/db.yaml": """
        apiVersion: kiln.dev/v1
        kind: ImageBuild
        metadata:
          name: db
        spec:
          type: qemu
          source:
            scratch: true
          scripts:
            - {name: ok, path: scripts/ok.sh, phase: provision}
            - {name: gone, path: scripts/missing.sh, phase: provision}

        """,
        "images/base.yaml": """
        apiVersion: kiln.dev/v1
        kind: Image
        metadata:
          name: base
        spec:
          osType: linux
          hypervisor: false
          supportsVirtualMachine: true
        ---
        apiVersion: kiln.dev/v1
        kind: Image
        metadata:
          name: base
        spec:
          osType: linux
          hypervisor: false
          templateName: golden
          supportsVirtualMachine: true

        """,
        "vms/web-1.yaml": """
        apiVersion: kiln.dev/v1
        kind: VirtualMachine
        metadata:
          name: web-1
        spec:
          image: base
          cpu: 2
          memory: 1gb

        """,
        "vms/web-2.yaml": """
        apiVersion: kiln.dev/v1
        kind: VirtualMachine
        metadata:
          name: web-2
        spec:
          image: nowhere
          memory: 1gib

        """
    ]

    /// What `kiln validate` prints for ``mistakes``, in order: `file:line:column: path: message`.
    static let mistakeLines = [
        #"builds/db.yaml:11:26: spec.scripts[1].path: no file scripts/missing.sh under the spec root (paths are relative to the spec root)"#,
        #"builds/web.yaml:9:16: spec.sshPassword: is a clear-text secret, and secrets never live in git; write {fromEnv: KILN_…} or {fromFile: NAME} and give Kiln the value on its host (then rotate the leaked one)"#,
        #"builds/web.yaml:10:16: spec.disk.size: "1gb" is not an IEC size: gb is ambiguous (10ⁿ or 2ⁿ bytes); write 1gib (use 1gib, 1024mib, 1048576kib …)"#,
        #"builds/web.yaml:11:30: spec.conversionFormats[1]: "vdi" is not one of qcow2, vmdk, vhd, vhdx, raw, ovf"#,
        #"images/base.yaml:13:9: metadata.name: Image "base" is defined twice (first at images/base.yaml:4:9); names are unique per kind"#,
        #"images/base.yaml:17:3: spec.templateName: is allowed only when type is linkedclone"#,
        #"vms/web-1.yaml:7:3: spec.cpu: unknown field (did you mean "cpus"?)"#,
        #"vms/web-1.yaml:8:11: spec.memory: "1gb" is not an IEC size: gb is ambiguous (10ⁿ or 2ⁿ bytes); write 1gib (use 1gib, 1024mib, 1048576kib …)"#,
        #"vms/web-2.yaml:6:10: spec.image: no Image named "nowhere" in the repository"#
    ]

    /// Writes `files` (path → text) into a new folder of `scratch` and returns its path.
    static func write(_ files: [String: String], in scratch: Scratch, named name: String = "specs") throws -> String {
        let root = scratch.file(name)
        for (path, text) in files {
            let full = "\(root)/\(path)"
            try FileManager.default.createDirectory(
                atPath: (full as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true)
            try text.write(toFile: full, atomically: false, encoding: .utf8)
        }
        return root
    }
}
