/// Runs steps in order, stops at the first error or at cancellation, then cleans up every started step in
/// reverse order.
///
/// Each step and cleanup that takes a tenth of a second or more says how long in the execution log ("timing: …"),
/// so a user (or `kiln-bench`) sees where an execution's time went.
enum StepRunner {
    static func run(_ steps: [any BuildStep], context: inout BuildContext) async throws(BuildError) {
        var started: [any BuildStep] = []
        var failure: BuildError?
        for step in steps {
            if Task.isCancelled {
                failure = .cancelled
                break
            }
            started.append(step)
            let start = ContinuousClock.now
            do throws(BuildError) {
                try await step.run(&context)
            } catch {
                failure = Task.isCancelled ? .cancelled : error
            }
            await logTiming(step, "", since: start, context: context)
            if failure != nil { break }
        }
        for step in started.reversed() {
            let start = ContinuousClock.now
            await step.cleanup(context, succeeded: failure == nil)
            await logTiming(step, " (cleanup)", since: start, context: context)
        }
        if let failure { throw failure }
    }

    private static func logTiming(
        _ step: any BuildStep, _ suffix: String, since start: ContinuousClock.Instant, context: BuildContext
    ) async {
        let elapsed = start.duration(to: .now)
        guard elapsed >= .milliseconds(100) else { return }
        await context.log.write("kiln", "timing: \(name(of: step))\(suffix) \(seconds(elapsed))")
    }

    /// `SSHProvisionStep` → `SSHProvision`.
    static func name(of step: any BuildStep) -> String {
        let base = String(describing: type(of: step))
        return base.hasSuffix("Step") ? String(base.dropLast(4)) : base
    }

    /// Tenths of a second: `12.3 s`.
    static func seconds(_ duration: Duration) -> String {
        let tenths = (duration.components.seconds * 10) + duration.components.attoseconds / 100_000_000_000_000_000
        return "\(tenths / 10).\(tenths % 10) s"
    }
}
