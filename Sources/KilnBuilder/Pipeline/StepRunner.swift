/// Runs steps in order, stops at the first error or at cancellation, then cleans up every started step in
/// reverse order.
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
            do throws(BuildError) {
                try await step.run(&context)
            } catch {
                failure = Task.isCancelled ? .cancelled : error
                break
            }
        }
        for step in started.reversed() {
            await step.cleanup(context, succeeded: failure == nil)
        }
        if let failure { throw failure }
    }
}
