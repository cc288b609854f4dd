import Foundation

/// Makes a spec repository of many files with `git fast-import`: builds, images built by them and VMs running those
/// images, 100 files per folder, with valid references; then a chain of commits that each change one VM.
struct SpecRepositoryGenerator {
    var files: Int
    var changes: Int

    struct Output {
        var path: String
        /// The commit with every file, then one commit per one-file change.
        var commits: [String]
        /// The blob ids of the spec files of the first commit, and of the file each later commit changed.
        var blobs: [String]
        var changedBlobs: [String]
        var bytes: Int
        /// The first commit's files, path and content.
        var files: [(path: String, text: String)]
    }

    func generate(in path: String) throws -> Output {
        try Shell.run(["git", "init", "-q", "-b", "main", path])
        let builds = max(1, files / 5)
        let images = max(1, (files - builds) / 2)
        let vms = max(1, files - builds - images)
        var stream = Data()
        var bytes = 0
        var first: [(path: String, text: String)] = []
        func add(_ file: String, _ text: String) {
            if first.count < files + 20 { first.append((file, text)) }
            let data = Data(text.utf8)
            bytes += file.hasSuffix(".yaml") ? data.count : 0
            stream.append(Data("M 100644 inline \(file)\ndata \(data.count)\n".utf8))
            stream.append(data)
            stream.append(Data("\n".utf8))
        }
        func commit(_ message: String, time: Int) {
            stream.append(
                Data(
                    "commit refs/heads/main\ncommitter Kiln Bench <bench@example.org> \(time) +0000\ndata \(message.utf8.count)\n\(message)\n"
                        .utf8))
        }
        commit("\(files) spec files", time: 1_700_000_000)
        for s in 0..<20 { add("scripts/setup-\(s).sh", "#!/bin/sh\nset -eu\necho provisioning step \(s)\n") }
        for i in 0..<builds { add(Self.path("builds", i), Self.build(i)) }
        for i in 0..<images { add(Self.path("images", i), Self.image(i, build: i % builds)) }
        for i in 0..<vms { add(Self.path("vms", i), Self.vm(i, image: i % images, memory: 256)) }
        for c in 0..<changes {
            commit("resize vm-\(c)", time: 1_700_000_000 + 60 * (c + 1))
            add(Self.path("vms", c % vms), Self.vm(c % vms, image: (c % vms) % images, memory: 512 + 16 * c))
        }
        try Shell.run(["git", "-C", path, "fast-import", "--quiet"], input: stream)
        let commits = try Shell.text(["git", "-C", path, "rev-list", "--reverse", "main"]).split(separator: "\n").map(
            String.init)
        let blobs = try Shell.text(["git", "-C", path, "ls-tree", "-r", commits[0]]).split(separator: "\n")
            .filter { $0.hasSuffix(".yaml") }.map { String($0.split(separator: " ")[2].prefix(40)) }
        let changed = try commits.dropFirst().map { commit in
            try Shell.text(["git", "-C", path, "diff-tree", "--no-commit-id", "-r", "--format=", commit])
                .split(separator: " ")[3].description
        }
        return Output(path: path, commits: commits, blobs: blobs, changedBlobs: changed, bytes: bytes, files: first)
    }

    static func path(_ kind: String, _ i: Int) -> String {
        "\(kind)/g-\(padded(i / 100, 3))/\(kind.dropLast())-\(padded(i, 5)).yaml"
    }

    static func padded(_ n: Int, _ width: Int) -> String {
        let digits = String(n)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    static func build(_ i: Int) -> String {
        """
        # Build \(i): a Debian-like root filesystem for team \(i % 17).
        apiVersion: kiln.dev/v1
        kind: ImageBuild
        metadata:
          name: build-\(i)
          labels: {team: team-\(i % 17), tier: base}
        spec:
          description: Base image \(i) with the team's packages
          type: qemu
          group: group-\(i % 7)
          cloud: local
          source:
            scratch: true
          scripts:
            - {name: setup, path: scripts/setup-\(i % 20).sh, phase: provision, timeout: 10m}
            - {name: cleanup, path: scripts/setup-\((i + 1) % 20).sh, phase: postProvision}
          disk: {size: 2gib, filesystem: ext4}
          conversionFormats: [qcow2, vmdk]
          keepResults: 3
          run: {policy: onChange, token: "1"}

        """
    }

    static func image(_ i: Int, build: Int) -> String {
        """
        apiVersion: kiln.dev/v1
        kind: Image
        metadata:
          name: image-\(i)
          labels: {team: team-\(build % 17)}
        spec:
          description: Image \(i) from build \(build)
          osType: linux
          architecture: x86_64
          owner: team-\(build % 17)
          hypervisor: false
          type: stateful
          supportsVirtualMachine: true
          source: {build: build-\(build), format: qcow2}

        """
    }

    static func vm(_ i: Int, image: Int, memory: Int) -> String {
        """
        apiVersion: kiln.dev/v1
        kind: VirtualMachine
        metadata:
          name: vm-\(i)
          labels: {team: team-\(image % 17)}
        spec:
          image: image-\(image)
          cpus: 2
          memory: \(memory)mib
          networkType: nat
          powerState: running
          toolsInitTimeout: 60s

        """
    }
}
