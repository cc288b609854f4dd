import ArgumentParser
import Foundation
import KilnTestSupport

/// `kiln-bench growth`: how a cold load, a reconcile and an MWS query grow with the number of objects (1k, 10k and
/// 50k by default), in time and peak memory. Each load and reconcile runs in a child process of its own
/// (`kiln-bench growth-point`), so its peak RSS is its own; the query's is the peak of the `kiln serve` answering it.
struct GrowthBenchmark: FigureBenchmark {
    static let configuration = CommandConfiguration(
        commandName: "growth",
        abstract: "Cold load, reconcile and an MWS query at several sizes: time and peak RSS, and how each grows.")

    @Option(help: "Object counts, comma-separated, smallest first.")
    var sizes = "1000,10000,50000"

    @Option(help: "Runs of each cold load and full resync (the median is reported).")
    var runs = 3

    @Option(help: "Seconds of the wrk run timing the query at each size (one connection).")
    var seconds = 3

    static let quickArguments = ["--sizes", "300,1000,3000", "--runs", "1", "--seconds", "1"]

    var counts: [Int] { sizes.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    func validate() throws {
        let counts = counts
        guard counts.count >= 2, counts.count == sizes.split(separator: ",").count, counts.allSatisfy({ $0 >= 30 }),
            counts == counts.sorted()
        else {
            throw ValidationError("--sizes: at least two counts of 30 or more, smallest first, e.g. 1000,10000,50000")
        }
        guard runs >= 1, seconds >= 1 else { throw ValidationError("--runs and --seconds must be at least 1") }
    }

    func run() async throws {
        FigureFormat.print(try await figures())
    }

    /// One measure at one size.
    struct Point {
        var size: Int
        var milliseconds: Double
        var peakBytes: Int
        var note: String
    }

    func figures() async throws -> [Figure] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-bench-growth-\(getpid())")
            .path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let baseline = try await child(["baseline"])
        print("a kiln-bench child that measures nothing peaks at \(Self.megabytes(baseline.peakBytes))")

        var loads: [Point] = []
        var reconciles: [Point] = []
        var queries: [Point] = []
        for size in counts {
            print("growth: \(size) objects …")
            let repo = "\(folder)/repo-\(size)"
            let generated = try SpecRepositoryGenerator(files: size, changes: 0).generate(in: repo)
            let load = try await child(["load", "--repo", repo, "--commit", generated.commits[0], "--runs", "\(runs)"])
            loads.append(load.point(size))
            try? FileManager.default.removeItem(atPath: repo)
            print("  cold load \(FigureFormat.number(load.milliseconds)) ms, peak \(Self.megabytes(load.peakBytes))")

            let reconcile = try await child(["reconcile", "--objects", "\(size)", "--runs", "\(runs)"])
            reconciles.append(reconcile.point(size))
            print(
                "  reconcile \(FigureFormat.number(reconcile.milliseconds)) ms, peak \(Self.megabytes(reconcile.peakBytes))"
            )

            let served = try await ServedCatalog.start(images: size, folder: "\(folder)/serve-\(size)")
            do {
                let fresh = try await APIBenchmark.freshQuery(served, seconds: seconds, threads: 1, connections: 1)
                let memory = served.memory
                queries.append(
                    Point(
                        size: size, milliseconds: fresh.p50.milliseconds, peakBytes: memory.peak,
                        note: "p99 \(APIBenchmark.format(fresh.p99)), \(APIBenchmark.rate(fresh.requestsPerSecond)) "
                            + "req/s on one connection; RSS now \(Self.megabytes(memory.resident))"))
                print("  query p50 \(APIBenchmark.format(fresh.p50)), kiln serve peak \(Self.megabytes(memory.peak))")
                await served.stop()
            } catch {
                await served.stop()
                throw error
            }
            try? FileManager.default.removeItem(atPath: "\(folder)/serve-\(size)")
        }
        return Self.figures(
            "cold load of N spec files (parse + validate; a fifth builds, the rest images and VMs)", loads,
            peakOf: "the child process")
            + Self.figures(
                "reconcile of N objects (first pass, status files included; thirds builds, images, VMs)", reconciles,
                peakOf: "the child process, first pass and full resyncs")
            + Self.figures(
                "MWS query computed afresh, N catalog images (p50, one connection)", queries,
                peakOf: "kiln serve holding them")
    }

    /// A time and a peak-RSS figure per size; the largest size's notes say how each grew from the size before.
    static func figures(_ what: String, _ points: [Point], peakOf process: String) -> [Figure] {
        var out: [Figure] = []
        for (i, point) in points.enumerated() {
            let name = what.replacingOccurrences(of: "N ", with: "\(point.size) ")
            var timeNote = point.note
            var memoryNote = "peak RSS (VmHWM) of \(process)"
            if i == points.count - 1 {
                timeNote += "; " + growth(points.map { ($0.size, $0.milliseconds) }, of: "time")
                memoryNote += "; " + growth(points.map { ($0.size, Double($0.peakBytes)) }, of: "peak RSS")
            }
            out.append(
                Figure(
                    "growth", name + ": time", unit: .milliseconds, kiln: point.milliseconds, runs: 1, note: timeNote))
            out.append(
                Figure(
                    "growth", name + ": peak RSS", unit: .megabytes, kiln: Double(point.peakBytes) / 1_000_000, runs: 1,
                    note: memoryNote))
        }
        return out
    }

    /// "time grows linearly or better: ×17 for ×50 objects (…steps…)": judged from the smallest size to the largest,
    /// where fixed costs and noise weigh least; linear or better when the value's factor is at most the size
    /// factor plus a tenth (noise on a shared machine). Each step is listed, marked when it alone grew faster.
    static func growth(_ values: [(size: Int, value: Double)], of what: String) -> String {
        func step(_ a: (size: Int, value: Double), _ b: (size: Int, value: Double)) -> (String, Bool) {
            let sizeFactor = Double(b.size) / Double(a.size)
            let factor = b.value / a.value
            let linear = factor <= sizeFactor * 1.1
            return (String(format: "×%.1f for ×%.0f objects", factor, sizeFactor), linear)
        }
        guard let first = values.first, let last = values.last, values.count >= 2 else { return "" }
        let (whole, linear) = step(first, last)
        let steps = zip(values, values.dropFirst()).map { a, b in
            let (text, linear) = step(a, b)
            return "\(a.size) to \(b.size) \(text)\(linear ? "" : " (faster than linear)")"
        }
        return "\(what) grows \(linear ? "linearly or better" : "FASTER than linearly") from \(first.size) to "
            + "\(last.size) objects: \(whole) (steps: \(steps.joined(separator: ", ")))"
    }

    /// What a `growth-point` child printed: its time and its own peak RSS.
    struct ChildFigure: Decodable {
        var milliseconds: Double
        var peakBytes: Int
        var note: String

        func point(_ size: Int) -> Point {
            Point(size: size, milliseconds: milliseconds, peakBytes: peakBytes, note: note)
        }
    }

    /// Runs `kiln-bench growth-point ARGUMENTS` (this same binary) and reads the JSON line it prints last.
    func child(_ arguments: [String]) async throws -> ChildFigure {
        let bench = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
        let result = try await ChildProcess.run(bench, ["growth-point"] + arguments, timeout: .seconds(3600))
        guard result.exitCode == 0, !result.signalled,
            let line = result.stdout.split(separator: "\n").last,
            let figure = try? JSONDecoder().decode(ChildFigure.self, from: Data(line.utf8))
        else {
            throw Shell.Failure(description: "kiln-bench growth-point \(arguments.joined(separator: " ")): \(result)")
        }
        return figure
    }

    static func megabytes(_ bytes: Int) -> String { "\(bytes / 1_000_000) MB" }
}
