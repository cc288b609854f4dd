/// One step of an execution, packer-style: `run` does the work and records its results in the context;
/// `cleanup` undoes what must not outlive the execution. Cleanups run in reverse order after the last step that
/// ran, whether the execution succeeded, failed or was cancelled.
protocol BuildStep: Sendable {
    func run(_ context: inout BuildContext) async throws(BuildError)
    func cleanup(_ context: BuildContext, succeeded: Bool) async
}

extension BuildStep {
    func cleanup(_ context: BuildContext, succeeded: Bool) async {}
}
