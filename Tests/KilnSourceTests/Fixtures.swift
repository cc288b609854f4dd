/// Valid spec documents that reference each other, for repositories made in tests.
enum Fixtures {
    static func build(_ name: String, script: String = "scripts/setup.sh") -> String {
        """
        apiVersion: kiln.dev/v1
        kind: ImageBuild
        metadata:
          name: \(name)
        spec:
          type: qemu
          source:
            scratch: true
          scripts:
            - name: setup
              path: \(script)
          conversionFormats: [qcow2]

        """
    }

    static func image(_ name: String, build: String) -> String {
        """
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
            format: qcow2

        """
    }

    static func vm(_ name: String, image: String, memory: String = "256mib") -> String {
        """
        apiVersion: kiln.dev/v1
        kind: VirtualMachine
        metadata:
          name: \(name)
        spec:
          image: \(image)
          memory: \(memory)

        """
    }

    /// A spec root with one build, its script, one image and one VM.
    static func small(in repository: TestRepository, under root: String = "") throws {
        let prefix = root.isEmpty ? "" : root + "/"
        try repository.write(prefix + "builds/web.yaml", build("web"))
        try repository.write(prefix + "scripts/setup.sh", "#!/bin/sh\necho setup\n")
        try repository.write(prefix + "images/web.yaml", image("web", build: "web"))
        try repository.write(prefix + "vms/web-1.yaml", vm("web-1", image: "web"))
    }
}
