import Foundation

/// What one `kiln-bench all` run measured, where and when: rendered as BENCHMARKS.md and benchmarks.json.
struct BenchmarkReport: Encodable, Sendable {
    /// One benchmark (subcommand) of the run.
    struct Entry: Encodable, Equatable, Sendable {
        enum Outcome: String, Encodable, Sendable { case ran, skipped, failed }

        var benchmark: String
        var outcome: Outcome
        /// Why it was skipped, or the error it failed with.
        var reason: String?
        /// Its wall time.
        var seconds: Double?
        var figures: [Figure]
    }

    var machine: Machine
    var started: Date
    var finished: Date?
    var loadAverageAtStart: [Double]
    var loadAverageAtEnd: [Double]?
    /// The commit measured (`git rev-parse HEAD`), with "+changes" when the work tree differed from it.
    var commit: String?
    var command: String
    var quick: Bool
    /// Sentences about the run that the figures cannot say (`--note`).
    var notes: [String] = []
    var entries: [Entry] = []

    var figures: [Figure] { entries.flatMap(\.figures) }

    func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self) + Data("\n".utf8)
    }

    /// True when the machine was doing other work as the run started (a 1-minute load average of a quarter core or
    /// more): the absolute figures are then slower and noisier than the machine can do, and the ratios are what count.
    var sharedMachine: Bool { (loadAverageAtStart.first ?? 0) >= 0.25 }

    var markdown: String {
        var out = "# Kiln benchmarks\n\n"
        out += "Written by `\(command)`\(commit.map { " at commit `\($0)`" } ?? "") on \(Self.date(started))"
        out += quick ? " with `--quick` (fewer runs, smaller sizes: a smoke test, not figures to quote)" : ""
        out +=
            ". Each figure is Kiln's median over the runs shown, beside a reference tool measured in the same run on the "
        out +=
            "same data; the ratio is Kiln's figure over the reference's (for a rate, above 1× means Kiln is faster; for "
        out += "a time, below 1×). Targets are the ones the issues set. benchmarks.json holds the same figures.\n\n"

        out += "## Machine\n\n"
        out +=
            "| CPU | cores | kernel | memory | load average at start (1, 5, 15 min) | at end |\n|---|---|---|---|---|---|\n"
        out += "| \(Self.cell(machine.cpu)) | \(machine.cores) | \(Self.cell(machine.kernel)) | "
        out +=
            "\(FigureFormat.number(Double(machine.memoryBytes) / 1_073_741_824)) GiB | \(Self.load(loadAverageAtStart)) | "
        out += "\(loadAverageAtEnd.map(Self.load) ?? "—") |\n\n"
        if sharedMachine {
            out +=
                "**This machine was shared with other work during the run** (load average \(Self.load(loadAverageAtStart)) "
            out +=
                "at the start on \(machine.cores) cores): absolute times are slower and noisier than it can do alone. "
            out += "The ratios, Kiln and its reference measured side by side in the same run, are what count.\n\n"
        }
        for note in notes { out += note + "\n\n" }
        if let finished {
            out += "The run took \(FigureFormat.number(finished.timeIntervalSince(started) / 60)) minutes.\n\n"
        }

        let targeted = figures.filter { $0.target != nil }
        out += "## Targets\n\n"
        if targeted.isEmpty {
            out += "No figure of this run has a target.\n\n"
        } else {
            let met = targeted.filter { $0.met == true }
            out += "\(met.count) of \(targeted.count) targets met.\n\n"
            out += "| benchmark | figure | Kiln | ratio | target | |\n|---|---|---|---|---|---|\n"
            for figure in targeted {
                out +=
                    "| `\(figure.benchmark)` | \(Self.cell(figure.name)) | \(FigureFormat.value(figure.kiln, figure.unit)) | "
                out += "\(FigureFormat.ratio(figure.ratio)) | \(figure.target!.text(unit: figure.unit)) | "
                out += "\(Self.bold(figure.met)) |\n"
            }
            out += "\n"
        }

        let notRun = entries.filter { $0.outcome != .ran }
        if !notRun.isEmpty {
            out += "## Not measured in this run\n\n"
            for entry in notRun {
                out += "- `\(entry.benchmark)` \(entry.outcome.rawValue): \(Self.cell(entry.reason ?? ""))\n"
            }
            out += "\n"
        }

        out += "## Figures\n"
        for entry in entries where entry.outcome == .ran {
            out += "\n### `kiln-bench \(entry.benchmark)`"
            out += entry.seconds.map { " (\(FigureFormat.number($0)) s)" } ?? ""
            out +=
                "\n\n| figure | Kiln | runs | reference, same run | ratio | target | |\n|---|---|---|---|---|---|---|\n"
            for figure in entry.figures {
                out +=
                    "| \(Self.cell(figure.name)) | \(FigureFormat.value(figure.kiln, figure.unit)) | \(figure.runs) | "
                if let reference = figure.reference {
                    out += "\(Self.cell(reference.name)): \(FigureFormat.value(reference.value, figure.unit))"
                    out += reference.runs > 1 ? " (median of \(reference.runs))" : ""
                }
                out +=
                    " | \(FigureFormat.ratio(figure.ratio)) | \(figure.target.map { $0.text(unit: figure.unit) } ?? "—") | "
                out += "\(figure.target == nil ? "" : Self.bold(figure.met)) |\n"
            }
            let noted = entry.figures.filter { $0.note != nil }
            if !noted.isEmpty {
                out += "\n"
                for figure in noted { out += "- \(Self.cell(figure.name)): \(Self.cell(figure.note!))\n" }
            }
        }
        return out
    }

    /// A table cell's text: `|` escaped, lines joined.
    static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }

    static func bold(_ met: Bool?) -> String {
        met == false ? "**NOT met**" : FigureFormat.met(met)
    }

    static func load(_ averages: [Double]) -> String {
        averages.map { String(format: "%.2f", $0) }.joined(separator: ", ")
    }

    /// "2026-12-05 16:10 UTC".
    static func date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return formatter.string(from: date)
    }
}
