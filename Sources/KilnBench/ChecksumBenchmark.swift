import ArgumentParser
import Foundation
import KilnBuilder

/// `kiln-bench checksum`: SHA-256 throughput of Kiln's streamed hashing (the code that hashes downloads and
/// outputs) beside coreutils' `sha256sum`, on the same file, from the page cache, alternating.
struct ChecksumBenchmark: FigureBenchmark {
    static let configuration = CommandConfiguration(
        commandName: "checksum", abstract: "Kiln's streamed SHA-256 beside sha256sum on the same file.")

    @Option(help: "Size of the generated file in MiB.") var sizeMib = 1024
    @Option(help: "Runs of each.") var runs = 5
    @Option(help: "Hash this file instead of a generated one.") var file: String?

    static let quickArguments = ["--size-mib", "64", "--runs", "2"]

    func run() async throws {
        FigureFormat.print(try await figures())
    }

    func figures() async throws -> [Figure] {
        var generated: String?
        let path: String
        if let file {
            path = file
        } else {
            path =
                FileManager.default.temporaryDirectory.appendingPathComponent("kiln-bench-\(UUID().uuidString).bin")
                .path
            try Self.generate(path, mebibytes: sizeMib)
            generated = path
        }
        defer { if let generated { try? FileManager.default.removeItem(atPath: generated) } }
        let bytes = Double((try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0)
        print(
            String(
                format: "checksum: sha256 of %.0f MiB, %d runs each (order alternates; first read warms the cache)",
                bytes / 1_048_576, runs))
        _ = try sha256sum(path)

        var kiln: [Double] = []
        var tool: [Double] = []
        var digests: Set<String> = []
        for index in 0..<runs {
            for turn in 0..<2 {
                if (turn == 0) == (index % 2 == 0) {
                    let clock = ContinuousClock()
                    let start = clock.now
                    digests.insert(try FileChecksum.compute(.sha256, path: path))
                    kiln.append(seconds(start.duration(to: clock.now)))
                } else {
                    let (digest, elapsed) = try sha256sum(path)
                    digests.insert(digest)
                    tool.append(elapsed)
                }
            }
            print(
                String(
                    format: "  run %d: kiln %.0f MiB/s, sha256sum %.0f MiB/s", index + 1,
                    bytes / 1_048_576 / kiln.last!, bytes / 1_048_576 / tool.last!))
        }
        guard digests.count == 1 else { throw ValidationError("Kiln and sha256sum disagree: \(digests.sorted())") }
        let mebibytes = bytes / 1_048_576
        return [
            Figure(
                "checksum", String(format: "sha256 of %.0f MiB from the page cache", mebibytes),
                unit: .mebibytesPerSecond,
                kiln: mebibytes / kiln.median, runs: kiln.count,
                reference: .init(name: "sha256sum", value: mebibytes / tool.median, runs: tool.count),
                target: .ratioAtLeast(0.9))
        ]
    }

    private func sha256sum(_ path: String) throws -> (String, Double) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [path]
        let pipe = Pipe()
        process.standardOutput = pipe
        let clock = ContinuousClock()
        let start = clock.now
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let elapsed = seconds(start.duration(to: clock.now))
        return (String(decoding: output.prefix(64), as: UTF8.self), elapsed)
    }

    /// A file of pseudo-random bytes (SHA-256's speed does not depend on content, but a filesystem may compress
    /// or deduplicate zeros).
    static func generate(_ path: String, mebibytes: Int) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else { throw CocoaError(.fileWriteUnknown) }
        defer { try? handle.close() }
        var generator = SystemRandomNumberGenerator()
        var block = [UInt64](repeating: 0, count: (1 << 20) / 8)
        for _ in 0..<mebibytes {
            for i in block.indices { block[i] = generator.next() }
            try handle.write(contentsOf: block.withUnsafeBytes { Data($0) })
        }
    }
}
