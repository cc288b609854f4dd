import Foundation
import Testing

@testable import KilnBench

/// The pure part of `kiln-bench all`: targets judged, figures written as Markdown and JSON, the machine read from
/// /proc text. What the benchmarks measure is not asserted here: it is measured by running them.
@Suite struct BenchmarkReportTests {
    static let tick = Figure(
        "load", "no-op tick (poll + load)", unit: .milliseconds, kiln: 0.031, runs: 101,
        reference: .init(name: "git cat-file --batch of main", value: 2.7, runs: 101), target: .atMost(5))
    static let throughput = Figure(
        "api", "GET /rest/images: throughput", unit: .requestsPerSecond, kiln: 18_677, runs: 1,
        reference: .init(name: "nginx serving the same bytes", value: 47_062, runs: 1),
        target: .ratioAtLeast(0.6), note: "wrk -t2 -c50 -d15s")
    static let webhook = Figure("api", "push webhook to commit applied", unit: .milliseconds, kiln: 2_210, runs: 5)

    static func report(load: [Double]) -> BenchmarkReport {
        BenchmarkReport(
            machine: Machine(cpu: "Intel(R) Xeon(R) Processor", cores: 2, kernel: "6.18.44", memoryBytes: 24 << 30),
            started: Date(timeIntervalSince1970: 1_796_487_000),
            finished: Date(timeIntervalSince1970: 1_796_487_000 + 1_800),
            loadAverageAtStart: load, loadAverageAtEnd: [3, 2.5, 2], commit: "760fad4c0ffe", command: "kiln-bench all",
            quick: false,
            entries: [
                .init(benchmark: "load", outcome: .ran, seconds: 95, figures: [tick]),
                .init(benchmark: "api", outcome: .ran, seconds: 300, figures: [throughput, webhook]),
                .init(benchmark: "image-debian", outcome: .skipped, reason: "--skip image-debian", figures: []),
                .init(
                    benchmark: "image", outcome: .failed,
                    reason: "no reference script at Benchmarks/image-reference.sh", figures: [])
            ])
    }

    @Test func targetsOnTheValueAndOnTheRatio() {
        #expect(Target.atMost(5).isMet(value: 5, ratio: nil) == true)
        #expect(Target.atMost(5).isMet(value: 5.01, ratio: 0.1) == false)
        #expect(Target.atLeast(0.9).isMet(value: 1, ratio: nil) == true)
        #expect(Target.ratioAtMost(1.1).isMet(value: 39.2, ratio: 1.15) == false)
        #expect(Target.ratioAtLeast(0.9).isMet(value: 1_796, ratio: 3.7) == true)
        // A ratio target without a reference, or with a reference that measured nothing, is not judged.
        #expect(Target.ratioAtMost(1.1).isMet(value: 1, ratio: nil) == nil)
        #expect(Target.atMost(5).isMet(value: .nan, ratio: nil) == nil)
        #expect(Target.atMost(50).text(unit: .milliseconds) == "≤ 50 ms")
        #expect(Target.atMost(5).text(unit: .percent) == "≤ 5%")
        #expect(Target.ratioAtLeast(0.9).text(unit: .mebibytesPerSecond) == "≥ 0.9×")
        #expect(Target.atMost(3000).text(unit: .milliseconds) == "≤ 3,000 ms")
    }

    @Test func ratioAndVerdictOfAFigure() {
        #expect(Self.throughput.ratio.map { ($0 * 1000).rounded() / 1000 } == 0.397)
        #expect(Self.throughput.met == false)
        #expect(Self.tick.met == true)
        #expect(Self.webhook.ratio == nil)
        #expect(Self.webhook.met == nil)
        var zero = Self.tick
        zero.reference?.value = 0
        #expect(zero.ratio == nil)
        #expect(zero.met == true, "a value target does not need the reference")
    }

    @Test(arguments: [
        (0.031, "0.031"), (4.724, "4.72"), (22.13, "22.1"), (605.4, "605"), (1_796.4, "1,796"),
        (1_234_567, "1,234,567"), (0, "0.00"), (Double.nan, "—")
    ])
    func numbers(value: Double, text: String) {
        #expect(FigureFormat.number(value) == text)
    }

    @Test func printedLines() {
        #expect(
            FigureFormat.lines([Self.tick, Self.webhook]) == [
                "no-op tick (poll + load): kiln 0.031 ms (median of 101) | git cat-file --batch of main: 2.70 ms | 0.011× | target ≤ 5 ms: met",
                "push webhook to commit applied: kiln 2,210 ms (median of 5)"
            ])
    }

    @Test func markdown() {
        let markdown = Self.report(load: [1.5, 1.2, 0.8]).markdown
        #expect(
            markdown.hasPrefix(
                "# Kiln benchmarks\n\nWritten by `kiln-bench all` at commit `760fad4c0ffe` on 2026-12-05 "))
        #expect(
            markdown.contains(
                "| Intel(R) Xeon(R) Processor | 2 | 6.18.44 | 24.0 GiB | 1.50, 1.20, 0.80 | 3.00, 2.50, 2.00 |"))
        #expect(markdown.contains("**This machine was shared with other work during the run**"))
        #expect(markdown.contains("The run took 30.0 minutes."))
        #expect(markdown.contains("1 of 2 targets met."))
        #expect(
            markdown.contains("| `api` | GET /rest/images: throughput | 18,677 req/s | 0.40× | ≥ 0.6× | **NOT met** |"))
        #expect(markdown.contains("- `image-debian` skipped: --skip image-debian\n"))
        #expect(markdown.contains("- `image` failed: no reference script at Benchmarks/image-reference.sh\n"))
        #expect(markdown.contains("### `kiln-bench load` (95.0 s)"))
        #expect(
            markdown.contains(
                "| no-op tick (poll + load) | 0.031 ms | 101 | git cat-file --batch of main: 2.70 ms (median of 101) | 0.011× | ≤ 5 ms | met |"
            ))
        #expect(markdown.contains("| push webhook to commit applied | 2,210 ms | 5 |  | — | — |  |"))
        #expect(markdown.contains("- GET /rest/images: throughput: wrk -t2 -c50 -d15s\n"))
        #expect(!markdown.contains("### `kiln-bench image-debian`"))
    }

    @Test func aQuietMachineIsNotCalledShared() {
        #expect(!Self.report(load: [0.1, 0.2, 0.3]).markdown.contains("shared with other work"))
    }

    @Test func json() throws {
        let data = try Self.report(load: [1.5, 1.2, 0.8]).json()
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["started"] as? String == "2026-12-05T16:10:00Z")
        #expect(object["loadAverageAtStart"] as? [Double] == [1.5, 1.2, 0.8])
        let machine = try #require(object["machine"] as? [String: Any])
        #expect(machine["cores"] as? Int == 2)
        #expect(machine["memoryBytes"] as? Int == 24 << 30)
        let entries = try #require(object["entries"] as? [[String: Any]])
        #expect(entries.map { $0["outcome"] as? String } == ["ran", "ran", "skipped", "failed"])
        let figures = try #require(entries[1]["figures"] as? [[String: Any]])
        #expect(figures[0]["unit"] as? String == "req/s")
        #expect(figures[0]["met"] as? Bool == false)
        #expect(figures[0]["targetText"] as? String == "≥ 0.6×")
        #expect((figures[0]["ratio"] as? Double).map { ($0 * 1000).rounded() } == 397)
        let target = try #require(figures[0]["target"] as? [String: Any])
        #expect(
            target["quantity"] as? String == "ratio" && target["comparison"] as? String == "atLeast"
                && target["bound"] as? Double == 0.6)
        #expect(figures[1]["ratio"] == nil && figures[1]["met"] == nil && figures[1]["reference"] == nil)
    }

    @Test func machineFromProc() {
        let machine = Machine(
            cpuinfo:
                "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t\t: fpu\n\nprocessor\t: 1\nmodel name\t: Intel(R) Xeon(R) Processor\n",
            meminfo: "MemTotal:       24683784 kB\nMemFree:        17000000 kB\n", kernel: "6.18.44-fc-v1272\n",
            cores: 2)
        #expect(
            machine
                == Machine(
                    cpu: "Intel(R) Xeon(R) Processor", cores: 2, kernel: "6.18.44-fc-v1272",
                    memoryBytes: 24_683_784 * 1024))
        #expect(Machine.loadAverage("10.32 4.07 1.51 12/193 18475\n") == [10.32, 4.07, 1.51])
        #expect(Machine(cpuinfo: "", meminfo: "", kernel: "", cores: 1).cpu == "unknown")
    }
}
