import ArgumentParser
import Foundation
import KilnCatalog
import KilnReconciler
import KilnSource
import KilnTestSupport
import Logging

/// `kiln-bench growth-point`: one measure of `kiln-bench growth` at one size, alone in its process so that the peak
/// RSS it prints (VmHWM) is that measure's own. Prints its figure as one JSON line, last.
struct GrowthPoint: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "growth-point",
        abstract: "One measure of `kiln-bench growth`, in a process of its own (used by `growth`).",
        shouldDisplay: false)

    enum What: String, ExpressibleByArgument, CaseIterable {
        /// Nothing: what the process itself costs.
        case baseline
        /// A cold `GitSource` load of `--repo` at `--commit`.
        case load
        /// A first reconcile pass over `--objects` objects with recording drivers, then full resyncs.
        case reconcile
    }

    @Argument(help: "baseline, load or reconcile.")
    var what: What

    @Option(help: "The repository (load).")
    var repo: String?

    @Option(help: "The commit to load (load).")
    var commit: String?

    @Option(help: "Objects (reconcile).")
    var objects = 1000

    @Option(help: "Runs of the cold load or of the full resync.")
    var runs = 3

    func run() async throws {
        let (milliseconds, note): (Double, String) =
            switch what {
            case .baseline: (0, "")
            case .load: try await load()
            case .reconcile: try await reconcile()
            }
        let line: [String: Any] = ["milliseconds": milliseconds, "peakBytes": Self.peakBytes(), "note": note]
        print(String(decoding: try JSONSerialization.data(withJSONObject: line), as: UTF8.self))
    }

    /// The median of `runs` cold loads, each by a new source (no cache of parsed files).
    func load() async throws -> (Double, String) {
        guard let repo, let commit else { throw ValidationError("load needs --repo and --commit") }
        var cold = Measurement()
        var parsed = 0
        for _ in 0..<runs {
            let source = try GitSource(.init(repository: repo))
            let load = try await cold.time { try await source.load(commit: commit) }
            guard load.snapshot != nil else {
                throw ValidationError("the repository is invalid: \(load.errors.prefix(3))")
            }
            parsed = load.stats.parsed
        }
        return (cold.milliseconds, "\(parsed) files parsed, median of \(cold.runs)")
    }

    /// `kiln-bench reconcile`'s set-up at this size: the first pass (executions held, status files written), then
    /// `runs` full resyncs; no settle (at 50,000 objects it would take many minutes of fake executions).
    func reconcile() async throws -> (Double, String) {
        let fixture = try await ReconcileFixture(objects: objects, name: "growth")
        defer { fixture.remove() }
        let (reconciler, builds, perKind) = (fixture.reconciler, fixture.builds, fixture.perKind)
        await builds.hold()
        var first = Measurement()
        let report = await first.time {
            let report = await reconciler.pass()
            await reconciler.statusFilesWritten()
            return report
        }
        var full = Measurement()
        for _ in 0..<runs {
            await full.time {
                _ = await reconciler.pass(full: true)
                await reconciler.statusFilesWritten()
            }
        }
        await reconciler.shutdown()
        return (
            first.milliseconds,
            "\(perKind * 3) objects, \(report.outcomes.count) actions; full resync after it "
                + String(format: "%.1f ms", full.milliseconds) + " (median of \(full.runs), executions held)"
        )
    }

    /// This process's peak resident set (VmHWM), in bytes.
    static func peakBytes() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
        return (Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0) * 1024
    }
}
