import ArgumentParser
import Foundation

/// `kiln-bench all`: every benchmark in one run, with each subcommand's default options (or its `--quick` ones), the
/// figures written to BENCHMARKS.md and benchmarks.json after each benchmark, so a run cut short keeps what it
/// measured. A benchmark that fails is recorded with its error and the run goes on.
struct AllBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "all",
        abstract: "Run every benchmark and write BENCHMARKS.md and benchmarks.json (run from the repository root).")

    /// In the order they run: the quick ones first, the Debian image (about 15 minutes) last.
    static let benchmarks: [any FigureBenchmark.Type] = [
        LoadBenchmark.self, ParseBenchmark.self, ReconcileBenchmark.self, ReconcilePostgresBenchmark.self,
        CatalogBenchmark.self, ClaimBenchmark.self, FailoverBenchmark.self,
        BuildBenchmark.self,
        ChecksumBenchmark.self, APIBenchmark.self, VMDriftBenchmark.self, GrowthBenchmark.self, ImageBenchmark.self,
        SSHLayerBenchmark.self,
        DebianImageBenchmark.self
    ]

    @Flag(help: "Fewer runs and smaller sizes: a smoke test of every benchmark, not figures to quote.")
    var quick = false

    @Option(help: "Do not run this benchmark (repeatable), e.g. --skip image-debian (about 15 minutes).")
    var skip: [String] = []

    @Option(
        help:
            "The bootable Debian base disk for image-ssh (e.g. examples/debian's debian-base); without it image-ssh is skipped."
    )
    var base: String?

    @Option(
        name: .customLong("with"),
        help:
            "Options for one benchmark (repeatable), its name first, after its defaults or --quick ones, e.g. --with 'image --runs 2'."
    )
    var with: [String] = []

    @Option(help: "A sentence about the run for BENCHMARKS.md (repeatable), e.g. what else the machine was doing.")
    var note: [String] = []

    @Option(help: "Where to write the Markdown report.")
    var markdown = "BENCHMARKS.md"

    @Option(help: "Where to write the JSON report.")
    var json = "benchmarks.json"

    func validate() throws {
        let names = Set(Self.benchmarks.map { $0.name })
        for name in skip where !names.contains(name) {
            throw ValidationError(
                "--skip \(name): no such benchmark; one of \(Self.benchmarks.map { $0.name }.joined(separator: ", "))")
        }
        for options in with {
            guard let name = options.split(separator: " ").first.map(String.init), names.contains(name) else {
                throw ValidationError(
                    "--with '\(options)': start with a benchmark's name, one of \(Self.benchmarks.map { $0.name }.joined(separator: ", "))"
                )
            }
        }
    }

    func run() async throws {
        var report = BenchmarkReport(
            machine: .current(), started: Date(), loadAverageAtStart: Machine.loadAverage(), commit: Self.commit(),
            command: (["kiln-bench"] + CommandLine.arguments.dropFirst()).joined(separator: " "), quick: quick,
            notes: note)
        for type in Self.benchmarks {
            let name = type.name
            if let reason = skipReason(name) {
                print("== kiln-bench \(name): skipped (\(reason))")
                report.entries.append(.init(benchmark: name, outcome: .skipped, reason: reason, figures: []))
                continue
            }
            var arguments = quick ? type.quickArguments : []
            if name == SSHLayerBenchmark.name, let base { arguments += ["--base", base] }
            for options in with {
                let words = options.split(separator: " ").map(String.init)
                if words.first == name { arguments += words.dropFirst() }
            }
            print("== kiln-bench \(([name] + arguments).joined(separator: " ")) (\(Self.clock()))")
            let start = ContinuousClock.now
            do {
                var command = try type.parse(arguments)
                let figures = try await command.figures()
                FigureFormat.print(figures)
                report.entries.append(
                    .init(
                        benchmark: name, outcome: .ran, seconds: seconds(ContinuousClock.now - start), figures: figures)
                )
            } catch {
                let message = type.message(for: error)
                print("kiln-bench \(name) failed: \(message)")
                report.entries.append(
                    .init(
                        benchmark: name, outcome: .failed, reason: message,
                        seconds: seconds(ContinuousClock.now - start), figures: []))
            }
            print("")
            report.finished = Date()
            report.loadAverageAtEnd = Machine.loadAverage()
            try write(report)
        }
        report.finished = Date()
        report.loadAverageAtEnd = Machine.loadAverage()
        try write(report)
        let targeted = report.figures.filter { $0.target != nil }
        print(
            "wrote \(markdown) and \(json): \(report.figures.count) figures, \(targeted.filter { $0.met == true }.count) of \(targeted.count) targets met"
        )
        if report.entries.contains(where: { $0.outcome == .failed }) {
            print("failed: " + report.entries.filter { $0.outcome == .failed }.map(\.benchmark).joined(separator: ", "))
            throw ExitCode(1)
        }
    }

    func skipReason(_ name: String) -> String? {
        if skip.contains(name) { return "--skip \(name)" }
        if name == SSHLayerBenchmark.name, base == nil {
            return
                "it needs a bootable Debian base disk with openssh-server and cloud-init (--base DISK, e.g. examples/debian's debian-base), and none was given"
        }
        return nil
    }

    func write(_ report: BenchmarkReport) throws {
        try Data(report.markdown.utf8).write(to: URL(fileURLWithPath: markdown), options: .atomic)
        try report.json().write(to: URL(fileURLWithPath: json), options: .atomic)
    }

    /// The commit measured, with "+changes" when the work tree differs from it; nil outside a git work tree.
    static func commit() -> String? {
        guard
            let head = try? Shell.text(["git", "rev-parse", "--short=12", "HEAD"]).trimmingCharacters(
                in: .whitespacesAndNewlines),
            !head.isEmpty
        else { return nil }
        let changes =
            (try? Shell.text([
                "git", "status", "--porcelain", "--untracked-files=no", "--", ".",
                ":!BENCHMARKS.md", ":!benchmarks.json"
            ])) ?? ""
        return changes.isEmpty ? head : head + "+changes"
    }

    static func clock() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "HH:mm:ss 'UTC'"
        return formatter.string(from: Date())
    }
}
