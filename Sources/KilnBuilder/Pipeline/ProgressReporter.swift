/// Sends ``BuildProgress`` to the caller as stages start; the percentage never goes down.
struct ProgressReporter: Sendable {
    let plan: ProgressPlan
    let sink: @Sendable (BuildProgress) -> Void
    private(set) var percent: Double = 0

    init(plan: ProgressPlan, sink: @escaping @Sendable (BuildProgress) -> Void) {
        self.plan = plan
        self.sink = sink
    }

    mutating func enter(_ stage: BuildStage) {
        percent = max(percent, min(100, plan.percent(atStartOf: stage)))
        sink(BuildProgress(statusMessage: stage.message, statusPercent: percent))
    }
}
