import ArgumentParser
import Foundation
import KilnReconciler
import KilnSpec
import Logging

/// `kiln sync`: one reconcile pass (or, with `--wait`, passes until everything settles).
struct Sync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reconcile once: make builds, images and VMs match the branch; exit 0 when everything is Ready.",
        discussion: """
            Without --wait, one pass starts what is needed (builds run on in their own processes) and reports.
            With --wait, passes repeat until started builds and VMs settle, or --timeout passes.
            """)

    @OptionGroup var source: SourceOptions
    @OptionGroup var flags: ReconcileFlags

    @Flag(help: "Wait until started builds and VMs settle.")
    var wait = false

    @Option(help: "How long --wait waits at most.")
    var timeout: SpecDuration = SpecDuration(seconds: 1800)

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .warning

    func run() async throws {
        Logs.bootstrap(logLevel)
        let wiring = try await Wiring(source: source, flags: flags, logger: Logger(label: "kiln"))
        let report =
            wait
            ? await wiring.reconciler.settle(timeout: timeout.duration)
            : await wiring.reconciler.pass()
        await wiring.reconciler.shutdown()
        Output.out(SyncSummary.text(report, waited: wait))
        if !report.allReady { throw ExitCode.failure }
    }
}

/// The summary `kiln sync` prints.
enum SyncSummary {
    static func text(_ report: PassReport, waited: Bool) -> String {
        var lines: [String] = []
        lines.append(
            "commit \(report.appliedCommit.map { String($0.prefix(12)) } ?? "none") applied"
                + (report.headCommit != nil && report.headCommit != report.appliedCommit
                    ? " (branch head \(String(report.headCommit!.prefix(12))) refused: \(report.refusal?.rawValue ?? "?"))"
                    : ""))
        if let error = report.sourceError { lines.append("source error: \(error)") }
        for error in report.refusalErrors { lines.append("  \(error)") }
        if let detail = report.refusalDetail { lines.append("  \(detail)") }
        if !report.refusalDeletions.isEmpty {
            lines.append(
                "  would delete: \(report.refusalDeletions.joined(separator: ", ")); pass --allow-destructive or commit with a 'Kiln-Allow-Destructive: true' trailer"
            )
        }
        for folder in report.unownedVMFolders {
            lines.append("  \(folder) belongs to no VirtualMachine; left alone")
        }
        for outcome in report.outcomes {
            lines.append(
                outcome.error == nil
                    ? "  done    \(outcome.action.summary)" : "  FAILED  \(outcome.action.summary): \(outcome.error!)")
        }
        for key in report.objects.keys.sorted() {
            let o = report.objects[key]!
            lines.append("\(o.ready ? "Ready    " : "NotReady ") \(key)  \(o.reason): \(o.message)")
        }
        let ready = report.objects.values.filter(\.ready).count
        var summary = "\(ready)/\(report.objects.count) ready"
        if !report.settled {
            summary += waited ? "; not settled before the timeout" : "; work continues (run again, or use --wait)"
        }
        lines.append(summary)
        return lines.joined(separator: "\n")
    }
}
