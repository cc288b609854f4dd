import ArgumentParser
import Foundation
import KilnBuilder
import KilnSpec

/// `kiln-bench image` (c): from a finished root filesystem to a verified bootable disk, Kiln beside a shell script
/// running the same tools (`Benchmarks/image-reference.sh`): partition, ESP with systemd-boot and syslinux, root
/// filesystem at its offset, a TCG boot under SeaBIOS and one under OVMF until the guest is up, the disk's sha256.
///
/// The root filesystem is a tarball of busybox with this host's Debian kernel and initrd in /boot. Runs alternate
/// which goes first; the medians are compared (target: Kiln ≤ 1.1×). Part (b), against Packer's qemu builder, is
/// `kiln-bench image-ssh` (``SSHLayerBenchmark``); part (a), against mkosi, is `kiln-bench image-debian`
/// (``DebianImageBenchmark``).
struct ImageBenchmark: FigureBenchmark {
    static let configuration = CommandConfiguration(
        commandName: "image", abstract: "A verified bootable disk from a root filesystem: Kiln beside a shell script.")

    @Option(help: "Disk size in MiB.") var sizeMib = 256
    @Option(help: "Runs of each.") var runs = 3
    @Option(help: "The reference script.") var reference = "Benchmarks/image-reference.sh"

    struct Files: SpecFileReader {
        let tarball: [UInt8]
        func read(_ path: String) throws -> [UInt8] {
            guard path == "rootfs.tar" else { throw CocoaError(.fileNoSuchFile) }
            return tarball
        }
    }

    static let quickArguments = ["--runs", "1"]

    func run() async throws {
        FigureFormat.print(try await figures())
    }

    func figures() async throws -> [Figure] {
        guard FileManager.default.isExecutableFile(atPath: reference) else {
            throw ValidationError(
                "no reference script at \(reference); run from the repository root or pass --reference")
        }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "kiln-bench-image-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let tarball = root + "/rootfs.tar"
        try Self.makeRootfs(root + "/tree", tarball: tarball)
        let files = Files(tarball: Array(try Data(contentsOf: URL(fileURLWithPath: tarball))))
        let spec = try spec()
        let builder = QemuImageBuilder()

        print(
            "image: \(sizeMib) MiB hybrid disk from a \(files.tarball.count >> 20) MiB root filesystem, booted under SeaBIOS and OVMF (TCG), \(runs) runs each"
        )
        var kiln: [Double] = []
        var shell: [Double] = []
        for index in 0..<runs {
            let kilnFirst = index % 2 == 0
            for turn in 0..<2 {
                let folder = "\(root)/run-\(index)-\(turn)"
                let clock = ContinuousClock()
                let start = clock.now
                if (turn == 0) == kilnFirst {
                    let request = BuildRequest(
                        buildName: "bench", buildNumber: index + 1, spec: spec, outputName: "bench-\(index + 1)",
                        files: files,
                        artifactDirectory: folder + "/artifacts", workDirectory: folder + "/work",
                        cacheDirectory: folder + "/cache",
                        logPath: folder + "/execution.log", secrets: SecretResolver(environment: [:]), hiddenPaths: [],
                        seed: "bench", sourceDateEpoch: 1_750_000_000)
                    _ = try await builder.build(request) { _ in }
                    kiln.append(seconds(start.duration(to: clock.now)))
                } else {
                    try Shell.script(reference, [tarball, folder + "/out", String(sizeMib)], path: builder.searchPath)
                    shell.append(seconds(start.duration(to: clock.now)))
                }
                try? FileManager.default.removeItem(atPath: folder)
            }
            print(String(format: "  run %d: kiln %.1f s, shell %.1f s", index + 1, kiln.last!, shell.last!))
        }
        return [
            Figure(
                "image",
                "verified bootable disk (\(sizeMib) MiB hybrid, TCG boots under SeaBIOS and OVMF) from a root filesystem",
                unit: .seconds, kiln: kiln.median, runs: kiln.count,
                reference: .init(
                    name: "Benchmarks/image-reference.sh running the same tools", value: shell.median, runs: shell.count
                ),
                target: .ratioAtMost(1.1))
        ]
    }

    static func makeRootfs(_ tree: String, tarball: String) throws {
        let script = """
            set -e
            mkdir -p "$1/bin" "$1/sbin" "$1/boot" "$1/proc" "$1/sys" "$1/dev" "$1/etc"
            cp /bin/busybox "$1/bin/busybox"
            for a in sh mount cat echo; do ln -s busybox "$1/bin/$a"; done
            printf '#!/bin/sh\\n/bin/mount -t proc proc /proc\\necho KILN-GUEST-READY\\nexec /bin/sh\\n' > "$1/sbin/init"
            chmod 0755 "$1/sbin/init"
            k=$(ls /boot | grep '^vmlinuz-' | sort -V | tail -1); v=${k#vmlinuz-}
            cp "/boot/vmlinuz-$v" "/boot/initrd.img-$v" "$1/boot/"
            tar -C "$1" -cf "$2" .
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script, "sh", tree, tarball]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ValidationError(
                "making the root filesystem failed (is busybox-static installed, and a kernel in /boot?)")
        }
    }

    private func spec() throws -> ImageBuildSpec {
        let parsed = DocumentParser.parse(
            path: "bench.yaml",
            text: """
                apiVersion: kiln.dev/v1
                kind: ImageBuild
                metadata: {name: bench}
                spec:
                  type: qemu
                  source: {path: rootfs.tar}
                  disk: {size: \(sizeMib)mib, boot: hybrid}
                  verify: {consoleContains: KILN-GUEST-READY}
                """)
        guard let spec = parsed.objects.first?.imageBuild else {
            throw ValidationError(parsed.errors.map(\.description).joined(separator: "\n"))
        }
        return spec
    }
}
