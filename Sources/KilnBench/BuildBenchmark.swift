import ArgumentParser
import Foundation
import KilnBuilder
import KilnSpec
import KilnTestSupport
import Synchronization

/// `kiln-bench build`: Kiln's image pipeline beside a plain shell script running the same tools on the same input.
///
/// Both make a busybox root filesystem with the quickstart's two scripts in the same sandbox, a raw ext4 disk of
/// `--size-mib`, qcow2 and vmdk conversions, a `qemu-img info` of each and their SHA-256. Runs alternate which goes
/// first, so neither always gets the warmer cache; the medians are compared.
struct BuildBenchmark: FigureBenchmark {
    static let configuration = CommandConfiguration(
        commandName: "build", abstract: "Kiln's image build beside a plain shell script calling the same tools.")

    @Option(help: "Disk size in MiB.") var sizeMib = 256
    @Option(help: "Runs of each.") var runs = 5
    @Option(help: "The reference script.") var reference = "Benchmarks/build-reference.sh"

    /// The quickstart example's own script, so the benchmark builds what users build.
    static let installBusybox =
        (try? String(
            contentsOfFile: KilnBinary.packageRoot + "/examples/quickstart/scripts/install-busybox.sh",
            encoding: .utf8)) ?? ""

    static let installInit = """
        #!/bin/sh
        set -eu
        cd "$KILN_ROOTFS"
        printf '#!/bin/sh\\nmount -t proc proc /proc\\necho KILN-GUEST-READY\\nexec /bin/sh\\n' > sbin/init
        chmod 0755 sbin/init
        """

    struct Files: SpecFileReader {
        func read(_ path: String) throws -> [UInt8] {
            switch path {
            case "scripts/1-install-busybox.sh": Array(BuildBenchmark.installBusybox.utf8)
            case "scripts/2-install-init.sh": Array(BuildBenchmark.installInit.utf8)
            default: throw CocoaError(.fileNoSuchFile)
            }
        }
    }

    static let quickArguments = ["--size-mib", "64", "--runs", "1"]

    func run() async throws {
        FigureFormat.print(try await figures())
    }

    func figures() async throws -> [Figure] {
        guard FileManager.default.isExecutableFile(atPath: reference) else {
            throw ValidationError(
                "no reference script at \(reference); run from the repository root or pass --reference")
        }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "kiln-bench-build-\(UUID().uuidString)"
        ).path
        let scripts = root + "/scripts"
        try FileManager.default.createDirectory(atPath: scripts, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Self.installBusybox.write(toFile: scripts + "/1-install-busybox.sh", atomically: true, encoding: .utf8)
        try Self.installInit.write(toFile: scripts + "/2-install-init.sh", atomically: true, encoding: .utf8)
        let spec = try spec()
        let builder = QemuImageBuilder()
        let path = builder.searchPath

        print("build: \(sizeMib) MiB disk, qcow2 + vmdk, \(runs) runs each (order alternates)")
        var kiln: [Double] = []
        var shell: [Double] = []
        var phases: [[(String, Double)]] = []
        var shellHashing: [Double] = []
        for index in 0..<runs {
            let kilnFirst = index % 2 == 0
            for turn in 0..<2 {
                let folder = "\(root)/run-\(index)-\(turn)"
                if (turn == 0) == kilnFirst {
                    let (total, breakdown) = try await timeKiln(builder, spec: spec, folder: folder, number: index + 1)
                    kiln.append(total)
                    phases.append(breakdown)
                } else {
                    shell.append(try timeShell(scripts: scripts, folder: folder, environmentPath: path))
                    shellHashing.append(try timeHashing(folder + "/out"))
                }
                try? FileManager.default.removeItem(atPath: folder)
            }
            print(String(format: "  run %d: kiln %.3f s, shell %.3f s", index + 1, kiln.last!, shell.last!))
        }
        let names = phases.first?.map(\.0) ?? []
        let phaseMedians = names.enumerated().map { index, name in
            (name, phases.compactMap { $0.count > index ? $0[index].1 : nil }.median)
        }
        // The two sides hash differently (BoringSSL in-process against coreutils' sha256sum), which dominates the
        // difference; the second figure compares what is left.
        let kilnHashing = phases.compactMap { $0.first { $0.0 == "Checksumming" }?.1 }.median
        return [
            Figure(
                "build", "image build: \(sizeMib) MiB disk, qcow2 + vmdk", unit: .seconds, kiln: kiln.median,
                runs: kiln.count,
                reference: .init(name: "a shell script calling the same tools", value: shell.median, runs: shell.count),
                target: .ratioAtMost(1.2),
                note: "overhead under 20%; Kiln's phases (median s): "
                    + phaseMedians.map { String(format: "%@ %.3f", $0.0, $0.1) }.joined(separator: ", ")),
            Figure(
                "build", "image build without hashing", unit: .seconds, kiln: kiln.median - kilnHashing,
                runs: kiln.count,
                reference: .init(
                    name: "the script without its sha256sum step (timed again on its outputs)",
                    value: shell.median - shellHashing.median, runs: shell.count),
                note: String(
                    format: "Kiln hashes in-process (%.3f s), the script with sha256sum (%.3f s)", kilnHashing,
                    shellHashing.median))
        ]
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
                  source: {scratch: true}
                  scripts:
                    - {name: install-busybox, path: scripts/1-install-busybox.sh}
                    - {name: install-init, path: scripts/2-install-init.sh}
                  disk: {size: \(sizeMib)mib}
                  conversionFormats: [qcow2, vmdk]
                """)
        guard let spec = parsed.objects.first?.imageBuild else {
            throw ValidationError(parsed.errors.map(\.description).joined(separator: "\n"))
        }
        return spec
    }

    /// The build's wall time and how long each phase took (from one progress report to the next).
    private func timeKiln(
        _ builder: QemuImageBuilder, spec: ImageBuildSpec, folder: String, number: Int
    )
        async throws -> (Double, [(String, Double)])
    {
        let request = BuildRequest(
            buildName: "bench", buildNumber: number, spec: spec, outputName: "bench-\(number)", files: Files(),
            artifactDirectory: folder + "/artifacts", workDirectory: folder + "/work",
            cacheDirectory: folder + "/cache",
            logPath: folder + "/execution.log", secrets: SecretResolver(environment: [:]), hiddenPaths: [])
        let clock = ContinuousClock()
        let reports = Mutex<[(String, ContinuousClock.Instant)]>([])
        let start = clock.now
        _ = try await builder.build(request) { progress in
            reports.withLock { $0.append((progress.statusMessage, clock.now)) }
        }
        let end = clock.now
        let marks = reports.withLock { $0 }
        let phases = marks.indices.dropLast().map { i in (marks[i].0, seconds(marks[i].1.duration(to: marks[i + 1].1)))
        }
        return (seconds(start.duration(to: end)), phases)
    }

    /// Times the reference's hashing step again on its outputs (warm cache, as in the run).
    private func timeHashing(_ out: String) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = ["disk.raw", "disk.qcow2", "disk.vmdk"]
        process.currentDirectoryURL = URL(fileURLWithPath: out)
        process.standardOutput = FileHandle.nullDevice
        let clock = ContinuousClock()
        let start = clock.now
        try process.run()
        process.waitUntilExit()
        return seconds(start.duration(to: clock.now))
    }

    private func timeShell(scripts: String, folder: String, environmentPath: String) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [reference, scripts, folder + "/out", String(sizeMib)]
        process.environment = ["PATH": environmentPath]
        let clock = ContinuousClock()
        let start = clock.now
        try process.run()
        process.waitUntilExit()
        let elapsed = seconds(start.duration(to: clock.now))
        guard process.terminationStatus == 0 else {
            throw ValidationError("\(reference) exited \(process.terminationStatus)")
        }
        return elapsed
    }
}
