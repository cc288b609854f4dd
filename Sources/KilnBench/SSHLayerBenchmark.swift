import ArgumentParser
import Foundation
import KilnBuilder
import KilnSpec

/// `kiln-bench image-ssh` (the image benchmark's part (b)): the same SSH-provisioned layer built by Kiln
/// (`provisioner: ssh`) and by Packer's qemu builder (Debian `packer`), in the same run, runs alternating.
///
/// Both start from the same bootable Debian base disk (`--base`, e.g. the `debian-base` Image of `examples/debian`),
/// boot it under SeaBIOS with the same accelerator, memory and one CPU, log in over SSH with a key, run the same
/// script, power the guest off and write a qcow2. Packer gets its key in through cloud-init (a NoCloud seed on a CD,
/// its `cd_files`), which the base image has; Kiln writes its own per-execution key into the disk. Kiln's boot
/// verification is off (Packer has none). Packer's update check is off (`CHECKPOINT_DISABLE`): no traffic leaves.
/// Target: Kiln ≤ 0.8× Packer (medians).
struct SSHLayerBenchmark: FigureBenchmark {
    static let configuration = CommandConfiguration(
        commandName: "image-ssh",
        abstract: "An SSH-provisioned layer on a Debian base: Kiln beside Packer's qemu builder.")

    @Option(
        help:
            "The bootable Debian base disk (qcow2 or raw) with openssh-server and cloud-init, e.g. examples/debian's debian-base."
    )
    var base: String
    @Option(help: "Runs of each.") var runs = 2
    @Option(help: "qemu's accelerator for both (tcg or kvm).") var accelerator = "tcg"
    @Option(help: "Where Packer is.") var packer = "/usr/bin/packer"
    @Option(help: "Copy Kiln's last execution log here (where its time went).") var keepLog: String?

    static let script = """
        #!/bin/sh
        # The layer's script, the same for Kiln and Packer: runs as root in the booted base.
        set -eu
        mkdir -p /var/www/html
        echo "built for kiln-bench image-ssh" > /etc/bench-layer-marker
        echo '<h1>bench layer</h1>' > /var/www/html/index.html
        dpkg-query -W openssh-server

        """

    struct Files: SpecFileReader {
        func read(_ path: String) throws -> [UInt8] {
            guard path == "layer.sh" else { throw CocoaError(.fileNoSuchFile) }
            return Array(SSHLayerBenchmark.script.utf8)
        }
    }

    static let quickArguments = ["--runs", "1"]

    func run() async throws {
        FigureFormat.print(try await figures())
    }

    func figures() async throws -> [Figure] {
        guard FileManager.default.fileExists(atPath: base) else { throw ValidationError("no base disk at \(base)") }
        guard FileManager.default.isExecutableFile(atPath: packer) else {
            throw ValidationError("no Packer at \(packer): apt-get install packer")
        }
        let base = URL(fileURLWithPath: self.base).standardizedFileURL.path
        let format = try Self.format(of: base)
        let sha256 = String(try Shell.text(["sha256sum", base]).prefix(64))
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "kiln-bench-image-ssh-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let spec = try Self.spec()
        let builder = QemuImageBuilder()
        let accelerator = self.accelerator

        print(
            "image-ssh: a layer on \(base) (\(format)), one script over SSH, qcow2 out, \(accelerator), \(runs) runs each"
        )
        var kiln: [Double] = []
        var peer: [Double] = []
        for index in 0..<runs {
            let kilnFirst = index % 2 == 0
            for turn in 0..<2 {
                let folder = "\(root)/run-\(index)-\(turn)"
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                let clock = ContinuousClock()
                let start = clock.now
                if (turn == 0) == kilnFirst {
                    let request = BuildRequest(
                        buildName: "layer", buildNumber: index + 1, spec: spec, outputName: "layer-\(index + 1)",
                        files: Files(),
                        artifactDirectory: folder + "/artifacts", workDirectory: folder + "/work",
                        cacheDirectory: folder + "/cache",
                        logPath: folder + "/execution.log", secrets: SecretResolver(environment: [:]), hiddenPaths: [],
                        seed: "bench", sourceDateEpoch: 1_750_000_000,
                        baseImage: BaseImage(name: "base", path: base, format: format, sha256: sha256, boot: .hybrid),
                        accelerator: { _ in accelerator })
                    do {
                        _ = try await builder.build(request) { _ in }
                    } catch {
                        let log = (try? String(contentsOfFile: folder + "/execution.log", encoding: .utf8)) ?? ""
                        throw ValidationError("Kiln's build failed: \(error)\n\(log.suffix(4000))")
                    }
                    kiln.append(seconds(start.duration(to: clock.now)))
                    if let keepLog {
                        try? FileManager.default.removeItem(atPath: keepLog)
                        try? FileManager.default.copyItem(atPath: folder + "/execution.log", toPath: keepLog)
                    }
                } else {
                    try runPacker(base: base, format: format, folder: folder)
                    peer.append(seconds(start.duration(to: clock.now)))
                }
                try? FileManager.default.removeItem(atPath: folder)
            }
            print(String(format: "  run %d: kiln %.1f s, packer %.1f s", index + 1, kiln.last!, peer.last!))
        }
        return [
            Figure(
                "image-ssh", "an SSH-provisioned layer on a Debian base (\(accelerator), qcow2 out)", unit: .seconds,
                kiln: kiln.median, runs: kiln.count,
                reference: .init(name: "Packer's qemu builder", value: peer.median, runs: peer.count),
                target: .ratioAtMost(0.8))
        ]
    }

    static func format(of path: String) throws -> String {
        let info = try Shell.text(["qemu-img", "info", "--output=json", path])
        guard let object = try JSONSerialization.jsonObject(with: Data(info.utf8)) as? [String: Any],
            let format = object["format"] as? String
        else { throw ValidationError("qemu-img cannot read \(path)") }
        return format
    }

    static func spec() throws -> ImageBuildSpec {
        let parsed = DocumentParser.parse(
            path: "layer.yaml",
            text: """
                apiVersion: kiln.dev/v1
                kind: ImageBuild
                metadata: {name: layer}
                spec:
                  type: qemu
                  source: {image: base}
                  provisioner: ssh
                  sshTimeout: 20m
                  scripts:
                    - {name: layer, path: layer.sh, phase: provision, timeout: 10m}
                  disk: {size: 3gib, boot: hybrid}
                  verify: {boot: false}
                  conversionFormats: [qcow2]
                """)
        guard let spec = parsed.objects.first?.imageBuild else {
            throw ValidationError(parsed.errors.map(\.description).joined(separator: "\n"))
        }
        return spec
    }

    /// Packer's qemu builder on the same base: a key of this run, handed to cloud-init by a NoCloud CD (`cidata`),
    /// SSH forwarded from 127.0.0.1 only, the same script, `poweroff`, qcow2 out.
    private func runPacker(base: String, format: String, folder: String) throws {
        try Shell.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "kiln-bench", "-f", folder + "/key"])
        let publicKey = try String(contentsOfFile: folder + "/key.pub", encoding: .utf8).trimmingCharacters(
            in: .whitespacesAndNewlines)
        try "instance-id: kiln-bench\nlocal-hostname: bench\n".write(
            toFile: folder + "/meta-data", atomically: true, encoding: .utf8)
        try "#cloud-config\ndisable_root: false\nssh_authorized_keys:\n  - \(publicKey)\n"
            .write(toFile: folder + "/user-data", atomically: true, encoding: .utf8)
        try Self.script.write(toFile: folder + "/layer.sh", atomically: true, encoding: .utf8)
        let template: [String: Any] = [
            "builders": [
                [
                    "type": "qemu",
                    "iso_url": base, "iso_checksum": "none", "disk_image": true, "use_backing_file": false,
                    "skip_resize_disk": true, "disk_interface": "virtio", "net_device": "virtio-net", "format": "qcow2",
                    "accelerator": accelerator, "memory": 1024, "cpus": 1, "headless": true,
                    "vnc_bind_address": "127.0.0.1",
                    "cd_files": [folder + "/meta-data", folder + "/user-data"], "cd_label": "cidata",
                    "ssh_username": "root", "ssh_private_key_file": folder + "/key", "ssh_timeout": "20m",
                    "shutdown_command": "poweroff", "output_directory": folder + "/out", "vm_name": "layer.qcow2",
                    "qemuargs": [
                        ["-netdev", "user,id=user.0,hostfwd=tcp:127.0.0.1:{{ .SSHHostPort }}-:22"],
                        ["-serial", "file:" + folder + "/console.log"]
                    ]
                ]
            ],
            "provisioners": [["type": "shell", "script": folder + "/layer.sh"]]
        ]
        try JSONSerialization.data(withJSONObject: template, options: [.prettyPrinted, .sortedKeys])
            .write(to: URL(fileURLWithPath: folder + "/layer.json"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: packer)
        process.arguments = ["build", "-force", "-color=false", folder + "/layer.json"]
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        var environment = ProcessInfo.processInfo.environment
        environment["CHECKPOINT_DISABLE"] = "1"
        environment["PACKER_CACHE_DIR"] = folder + "/packer-cache"
        environment["PACKER_LOG"] = nil
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, FileManager.default.fileExists(atPath: folder + "/out/layer.qcow2") else {
            throw ValidationError(
                "packer exited \(process.terminationStatus):\n\(String(decoding: printed.suffix(6000), as: UTF8.self))")
        }
    }
}
