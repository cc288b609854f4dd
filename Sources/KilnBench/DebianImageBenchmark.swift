import ArgumentParser
import Foundation
import KilnBuilder
import KilnSpec
import KilnTestSupport

/// `kiln-bench image-debian` (the image benchmark's part (a)): the same bootable Debian image (suite, variant,
/// packages, a 3 GiB hybrid disk, raw out) built by Kiln and by mkosi 14, with a cold and then a warm package cache,
/// in the same run (which side goes first turns with each run). Target: Kiln ≤ 1.0× mkosi.
///
/// mkosi is tried first for a bootable disk: it partitions a file, attaches it to a loop device and mounts its
/// partitions, the EFI system partition as vfat, then installs with debootstrap and apt in systemd-nspawn. Where that
/// fails (here: a kernel without vfat), the benchmark prints mkosi's own error and its peer is
/// `Benchmarks/debian-image-reference.sh`: the tools Kiln runs (mmdebstrap with the same shared-cache hooks, sfdisk,
/// mkfs.vfat, mtools, syslinux, mkfs.ext4) from a plain shell script. (mkosi's root filesystem alone, `Format=directory`,
/// does build here with `--nspawn-keep-unit`, but mkosi 14 leaves no initrd in it, so it is not the same image.) Boot
/// verification is off on every side unless `--boot` (mkosi has none).
struct DebianImageBenchmark: FigureBenchmark {
    static let configuration = CommandConfiguration(
        commandName: "image-debian",
        abstract:
            "A bootable Debian image, cold and warm package cache: Kiln beside mkosi (or the same tools in a shell script)."
    )

    @Option(help: "The Debian mirror for every side (default: the host's apt sources).") var mirror: String?
    @Option(help: "Runs of each (each run: a cold build, then a warm one).") var runs = 1
    @Option(help: "Disk size in MiB.") var sizeMib = 3072
    @Option(help: "Where mkosi is.") var mkosi = "/usr/bin/mkosi"
    @Option(help: "The shell-script reference, used where mkosi cannot run.") var reference =
        "Benchmarks/debian-image-reference.sh"
    @Flag(help: "Verify the boot under SeaBIOS and OVMF (TCG) on Kiln's and the script's side.") var boot = false
    @Option(help: "Copy Kiln's last execution log here (where its time went).") var keepLog: String?

    static let suite = "bookworm"
    static let variant = "apt"
    /// examples/debian's debian-base.
    static let packages = [
        "linux-image-amd64", "systemd-sysv", "udev", "ifupdown", "isc-dhcp-client", "openssh-server",
        "cloud-init", "qemu-guest-agent"
    ]

    /// What builds the image on the other side.
    enum Peer: String {
        /// mkosi alone: its bootable GPT disk.
        case mkosi
        /// `Benchmarks/debian-image-reference.sh`: mmdebstrap and the disk tools from a shell script.
        case script
    }

    static let quickArguments = ["--runs", "1"]

    func run() async throws {
        FigureFormat.print(try await figures())
    }

    func figures() async throws -> [Figure] {
        guard let mirror = mirror ?? DebianMirror.host() else {
            throw ValidationError("no Debian mirror in the host's apt sources: pass --mirror URL")
        }
        guard FileManager.default.isExecutableFile(atPath: reference) else {
            throw ValidationError(
                "no reference script at \(reference); run from the repository root or pass --reference")
        }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "kiln-bench-image-debian-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }

        var peers: [Peer] = [.script]
        if FileManager.default.isExecutableFile(atPath: mkosi) {
            let version =
                (try? Shell.text([mkosi, "--version"]))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "mkosi"
            if let failure = try runMkosi(
                folder: root + "/probe", cache: root + "/probe-cache", mirror: mirror, bootable: true)
            {
                print("\(version) cannot build a bootable image here: \(failure)")
                print("  so the peer is \(reference): the tools Kiln runs, from a shell script")
            } else {
                print("\(version) built a bootable image here: it is a peer (that probe build, cold, is not counted)")
                peers.insert(.mkosi, at: 0)
            }
            try? FileManager.default.removeItem(atPath: root + "/probe")
            try? FileManager.default.removeItem(atPath: root + "/probe-cache")
        } else {
            print("no mkosi at \(mkosi) (apt-get install mkosi): the peer is \(reference)")
        }

        let spec = try spec()
        let builder = QemuImageBuilder()
        print(
            "image-debian: \(Self.suite) (\(Self.variant)) with \(Self.packages.joined(separator: ", ")), \(sizeMib) MiB hybrid raw disk, boot verification \(boot ? "on (TCG)" : "off"), mirror \(mirror), \(runs) runs of a cold and a warm build each"
        )
        let sides = ["kiln"] + peers.map(\.rawValue)
        var times: [String: [Double]] = [:]
        for index in 0..<runs {
            // Which side goes first turns with each run; each side keeps its own package cache for the run.
            let order = Array(sides[(index % sides.count)...] + sides[..<(index % sides.count)])
            for cache in ["cold", "warm"] {
                var line = "  run \(index + 1), \(cache):"
                for side in order {
                    let folder = "\(root)/run-\(index)-\(cache)-\(side)"
                    let packageCache = "\(root)/cache-\(index)-\(side)"
                    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                    let clock = ContinuousClock()
                    let start = clock.now
                    switch side {
                    case "kiln":
                        let request = BuildRequest(
                            buildName: "debian", buildNumber: index + 1, spec: spec, outputName: "debian-\(index + 1)",
                            files: MemoryTree(files: [:]),
                            artifactDirectory: folder + "/artifacts", workDirectory: folder + "/work",
                            cacheDirectory: packageCache,
                            logPath: folder + "/execution.log", secrets: SecretResolver(environment: [:]),
                            hiddenPaths: [],
                            seed: "bench", sourceDateEpoch: 1_750_000_000, debianMirror: mirror)
                        do {
                            _ = try await builder.build(request) { _ in }
                        } catch {
                            let log = (try? String(contentsOfFile: folder + "/execution.log", encoding: .utf8)) ?? ""
                            throw ValidationError("Kiln's build failed: \(error)\n\(log.suffix(4000))")
                        }
                        if let keepLog {
                            try? FileManager.default.removeItem(atPath: keepLog + "-" + cache)
                            try? FileManager.default.copyItem(
                                atPath: folder + "/execution.log", toPath: keepLog + "-" + cache)
                        }
                    case Peer.mkosi.rawValue:
                        if let failure = try runMkosi(
                            folder: folder, cache: packageCache, mirror: mirror, bootable: true)
                        {
                            throw ValidationError("mkosi failed: \(failure)")
                        }
                    default:
                        try Shell.script(
                            reference,
                            [
                                folder + "/out", packageCache, mirror, String(sizeMib), Self.suite, Self.variant,
                                Self.packages.joined(separator: ","), boot ? "login:" : "-"
                            ], path: builder.searchPath)
                    }
                    let elapsed = seconds(start.duration(to: clock.now))
                    times["\(side) \(cache)", default: []].append(elapsed)
                    line += String(format: " %@ %.1f s", side, elapsed)
                    try? FileManager.default.removeItem(atPath: folder)
                }
                print(line)
            }
        }
        var figures: [Figure] = []
        for cache in ["cold", "warm"] {
            let kiln = times["kiln \(cache)"] ?? []
            for peer in peers {
                let other = times["\(peer.rawValue) \(cache)"] ?? []
                let reference = peer == .mkosi ? "mkosi" : "\(reference): the tools Kiln runs, from a shell script"
                figures.append(
                    Figure(
                        "image-debian",
                        "bootable Debian \(Self.suite) image (\(sizeMib) MiB hybrid raw), \(cache) package cache",
                        unit: .seconds, kiln: kiln.median, runs: kiln.count,
                        reference: .init(name: reference, value: other.median, runs: other.count),
                        target: peer == .mkosi ? .ratioAtMost(1.0) : nil,
                        note: peer == .mkosi
                            ? nil : "the ≤ 1.0× target is against mkosi, which cannot build this image on this machine")
                )
            }
        }
        return figures
    }

    private func spec() throws -> ImageBuildSpec {
        let parsed = DocumentParser.parse(
            path: "debian.yaml",
            text: """
                apiVersion: kiln.dev/v1
                kind: ImageBuild
                metadata: {name: debian}
                spec:
                  type: qemu
                  source:
                    debian:
                      suite: \(Self.suite)
                      variant: \(Self.variant)
                      components: [main]
                      packages: [\(Self.packages.joined(separator: ", "))]
                  disk: {size: \(sizeMib)mib, boot: hybrid}
                  verify: {boot: \(boot)}
                """)
        guard let spec = parsed.objects.first?.imageBuild else {
            throw ValidationError(parsed.errors.map(\.description).joined(separator: "\n"))
        }
        return spec
    }

    /// One mkosi build of the same image with its package cache in `cache`: a bootable GPT disk with an ext4 root
    /// (`image.raw`), or with `bootable: false` its root filesystem as a folder (`rootfs`; mkosi 14 leaves no initrd
    /// in it, so it cannot feed `image-reference.sh`). nil when it made it, else the line of its output that says why
    /// not. `--nspawn-keep-unit`: where systemd is not PID 1 there is no system
    /// bus, and systemd-nspawn cannot make a scope unit of its own ("Failed to open system bus").
    private func runMkosi(folder: String, cache: String, mirror: String, bootable: Bool) throws -> String? {
        try FileManager.default.createDirectory(atPath: folder + "/out", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
        let config = """
            [Distribution]
            Distribution=debian
            Release=\(Self.suite)
            Mirror=\(mirror)

            [Output]
            Format=\(bootable ? "gpt_ext4" : "directory")
            Bootable=\(bootable ? "yes" : "no")
            Output=\(folder)/\(bootable ? "out/image.raw" : "rootfs")

            [Content]
            Packages=\(Self.packages.joined(separator: ","))
            Cache=\(cache)
            WithNetwork=yes

            \(bootable ? "[Partitions]\nRootSize=\(sizeMib - 300)M\n" : "")
            """
        try config.write(toFile: folder + "/mkosi.conf", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: mkosi)
        process.arguments = ["--force", "--nspawn-keep-unit", "build"]
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus == 0,
            FileManager.default.fileExists(atPath: folder + (bootable ? "/out/image.raw" : "/rootfs/boot"))
        {
            return nil
        }
        return Self.mkosiFailure(printed, status: process.terminationStatus)
    }

    /// The line of mkosi's output that names the failure: a tool's own message (`mount: …`), else the last line that
    /// is not part of a Python traceback.
    static func mkosiFailure(_ output: String, status: Int32) -> String {
        let lines = output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        if let tool = lines.first(where: {
            $0.hasPrefix("mount:") || $0.contains("unknown filesystem type") || $0.hasPrefix("losetup:")
        }) {
            return tool
        }
        let plain = output.split(separator: "\n").filter {
            !$0.hasPrefix(" ") && !$0.hasPrefix("Traceback") && !$0.isEmpty
        }
        return plain.last.map(String.init) ?? "exit status \(status)"
    }
}
