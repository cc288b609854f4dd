import ArgumentParser
import Foundation
import KilnSpec
import KilnYAML

/// `kiln-bench parse`: how long Kiln takes to read and validate a large stream of spec documents, beside PyYAML's
/// C loader (libyaml, as Kiln) on the same bytes in the same run. Ratios hold across machines; absolute times don't.
struct ParseBenchmark: FigureBenchmark {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Parse and validate a generated stream of spec documents with Kiln, and with PyYAML's CLoader.")

    @Option(help: "Documents in the stream (ImageBuild, Image and VirtualMachine in turn).")
    var documents = 5_000

    @Option(help: "Timed runs of each parser; the median is reported (one untimed warm-up run comes first).")
    var runs = 7

    @Option(help: "The Python with PyYAML 6 built against libyaml.")
    var python = "python3"

    @Flag(help: "Measure Kiln only.")
    var kilnOnly = false

    func validate() throws {
        guard documents > 0, runs > 0 else { throw ValidationError("--documents and --runs must be at least 1") }
    }

    static let quickArguments = ["--documents", "501", "--runs", "3"]

    func run() async throws {
        FigureFormat.print(try await figures())
    }

    func figures() async throws -> [Figure] {
        let bytes = Array(Self.stream(documents: documents).utf8)
        // One stream is one "file" here, far over the 1 MiB per-file cap: lift the size and node caps, keep the rest.
        let limits = YAMLLimits(maxFileBytes: .max, maxExpandedNodes: .max)
        print(
            "stream: \(documents) documents, \(bytes.count) bytes (\(String(format: "%.2f", Double(bytes.count) / 1_048_576)) MiB)"
        )

        var loadedDocuments = 0
        let load = try Self.measure(runs) {
            let result = YAMLLoader.load(bytes, file: "stream.yaml", limits: limits)
            guard result.errors.isEmpty else { throw Failure("the loader refused the stream: \(result.errors[0])") }
            loadedDocuments = result.documents.count
        }
        var objects = 0
        let parse = try Self.measure(runs) {
            let parsed = DocumentParser.parse(path: "stream.yaml", bytes: bytes, limits: limits)
            guard parsed.errors.isEmpty else { throw Failure("the stream is invalid: \(parsed.errors[0])") }
            objects = parsed.objects.count
        }
        guard loadedDocuments == documents, objects == documents else {
            throw Failure("expected \(documents) documents, loaded \(loadedDocuments) and validated \(objects)")
        }
        print(Self.line("Kiln YAMLLoader.load", load))
        print(Self.line("Kiln DocumentParser.parse (load + validate)", parse))
        var reference: Figure.Reference?
        if !kilnOnly {
            let pyyaml = try pyYAML(bytes)
            print(Self.line("PyYAML \(pyyaml.version) yaml.load_all(Loader=CLoader)", pyyaml.times))
            reference = .init(
                name: "PyYAML \(pyyaml.version)'s C loader (libyaml), load only", value: pyyaml.times.median * 1000,
                runs: pyyaml.times.count)
        }
        let size = String(format: "%.1f MB", Double(bytes.count) / 1_000_000)
        return [
            Figure(
                "parse", "load + validate \(documents) documents (\(size))", unit: .milliseconds,
                kiln: parse.median * 1000,
                runs: parse.count, reference: reference),
            Figure(
                "parse", "load only, \(documents) documents", unit: .milliseconds, kiln: load.median * 1000,
                runs: load.count,
                reference: reference)
        ]
    }

    // MARK: measuring

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// Seconds of each of `runs` timed runs, after one warm-up run.
    static func measure(_ runs: Int, _ body: () throws -> Void) throws -> [Double] {
        try body()
        let clock = ContinuousClock()
        return try (0..<runs).map { _ in
            let elapsed = try clock.measure(body)
            return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        }
    }

    static func line(_ label: String, _ times: [Double]) -> String {
        func ms(_ t: Double) -> String { String(format: "%.1f ms", t * 1000) }
        return
            "\(label): median \(ms(times.median)) (min \(ms(times.min() ?? 0)), max \(ms(times.max() ?? 0)), \(times.count) runs)"
    }

    /// PyYAML's C loader on the same bytes, timed inside Python so that start-up is not counted.
    func pyYAML(_ bytes: [UInt8]) throws -> (version: String, times: [Double]) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let stream = folder.appendingPathComponent("stream.yaml")
        try Data(bytes).write(to: stream)
        let script = """
            import json, sys, time, yaml
            data = open(sys.argv[1], "rb").read()
            runs = int(sys.argv[2])
            if not getattr(yaml, "__with_libyaml__", False):
                sys.exit("PyYAML is not built against libyaml: there is no CLoader to compare with")
            count = len(list(yaml.load_all(data, Loader=yaml.CLoader)))
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                count = len(list(yaml.load_all(data, Loader=yaml.CLoader)))
                times.append(time.perf_counter() - start)
            print(json.dumps({"version": yaml.__version__, "documents": count, "times": times}))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, "-c", script, stream.path, String(runs)]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let report = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let times = report["times"] as? [Double], let version = report["version"] as? String
        else {
            throw Failure(
                "\(python) with PyYAML failed (exit \(process.terminationStatus)); install PyYAML 6 with libyaml, or pass --kiln-only"
            )
        }
        guard report["documents"] as? Int == documents else {
            throw Failure("PyYAML read \(report["documents"] ?? "?") documents, not \(documents)")
        }
        return (version, times)
    }

    // MARK: the stream

    /// A deterministic stream of valid documents, about 700 bytes each on average: builds with scripts, secrets,
    /// formats and config; images from those builds; VMs of those images.
    static func stream(documents: Int) -> String {
        var out = ""
        out.reserveCapacity(documents * 800)
        for i in 0..<documents {
            if i > 0 { out += "---\n" }
            let n = i / 3
            let hex = String(repeating: String(n, radix: 16), count: 64).prefix(64)
            switch i % 3 {
            case 0:
                out += """
                    # Build \(n): generated for kiln-bench parse.
                    apiVersion: kiln.dev/v1
                    kind: ImageBuild
                    metadata:
                      name: build-\(n)
                      labels: {team: team-\(n % 17), tier: web, generation: "\(n)"}
                    spec:
                      description: Generated build number \(n) with a few scripts and two formats
                      type: qemu
                      group: group-\(n % 5)
                      cloud: local
                      source:
                        url: https://images.example.com/rootfs/debian-\(n).tar.gz
                        checksum: sha256:\(hex)
                      bootScript: scripts/boot.sh
                      scripts:
                        - {name: install, path: scripts/install-\(n % 7).sh, phase: provision, timeout: 10m}
                        - {name: configure, path: ./scripts/configure.sh, phase: postProvision, timeout: 90s, env: {LEVEL: "\(n % 3)"}}
                        - name: cleanup
                          path: scripts/cleanup.sh
                          phase: postProvision
                          network: false
                      sshUsername: builder
                      sshPassword: {fromEnv: KILN_BUILD_PASSWORD}
                      disk: {size: 2gib, filesystem: ext4}
                      conversionFormats: [qcow2, vmdk]
                      compress: zstd
                      keepResults: 3
                      run: {policy: onChange, token: "\(n)"}
                      config: {owner: team-\(n % 17), replicas: \(n % 4 + 1), tags: [a, b, c]}

                    """
            case 1:
                out += """
                    apiVersion: kiln.dev/v1
                    kind: Image
                    # Image \(n): what VMs of the web tier boot from.
                    metadata:
                      name: image-\(n)
                      labels: {team: team-\(n % 17), tier: web}
                      annotations: {example.com/generated-by: kiln-bench, example.com/ticket: "OPS-\(n)"}
                    spec:
                      description: The newest image of build-\(n)
                      osType: linux
                      architecture: x86_64
                      owner: team-\(n % 17)
                      hypervisor: false
                      type: stateful
                      supportsVirtualMachine: true
                      features: [virtio, serial-console]
                      extensions: {xcat: {os: debian, architecture: x86_64, profile: compute}}
                      source: {build: build-\(n), format: qcow2}

                    """
            default:
                out += """
                    apiVersion: kiln.dev/v1
                    kind: VirtualMachine
                    # VM \(n): one web server of the generated fleet.
                    metadata:
                      name: vm-\(n)
                      labels: {team: team-\(n % 17), tier: web, zone: zone-\(n % 3)}
                    spec:
                      image: image-\(n)
                      cpus: \(n % 4 + 1)
                      memory: \(512 << (n % 3))mib
                      networkType: nat
                      callbackUrl: http://127.0.0.1:9000/ready/\(n)
                      powerState: running
                      toolsInitTimeout: 60s
                      ready: {consoleContains: KILN-GUEST-READY}

                    """
            }
        }
        return out
    }
}
