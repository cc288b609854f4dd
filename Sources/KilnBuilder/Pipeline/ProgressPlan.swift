/// The stages one execution goes through and the share of `statusPercent` each one gets.
///
/// A group of stages shares one budget (all scripts 40 %, all conversions 20 %, …), so a spec with ten scripts does
/// not spend the whole bar on provisioning. Stages a spec does not have are left out and the rest scaled to 100.
struct ProgressPlan: Sendable, Hashable {
    private(set) var stages: [BuildStage] = []
    private var weights: [Double] = []

    /// With `overSSH` (`provisioner: ssh`), the scripts run after the disk is made, in a VM booted from it.
    init(
        scripts: [String], formats: [ImageFormat], compression: Compression, verifiesBoot: Bool = false,
        overSSH: Bool = false
    ) {
        add([.fetching], budget: 5)
        add([.unpacking], budget: 5)
        let provisioning = scripts.map { BuildStage.provisioning(script: $0) }
        if overSSH {
            add([.creatingDisk], budget: 10)
            add(scripts.isEmpty ? [] : [.bootingBuildVM], budget: 5)
            add(scripts.isEmpty ? [] : [.waitingForSSH], budget: 10)
            add(provisioning, budget: 40)
            add(scripts.isEmpty ? [] : [.poweringOff], budget: 5)
        } else {
            add(provisioning, budget: 40)
            add([.creatingDisk], budget: 10)
        }
        add(verifiesBoot ? [.bootVerifying] : [], budget: 20)
        add(formats.filter { $0 != .raw }.map { .converting(format: $0.rawValue) }, budget: 20)
        add([.verifying], budget: 5)
        add(formats.contains(.ovf) ? [.packaging(format: ImageFormat.ovf.rawValue)] : [], budget: 3)
        add(
            compression == .none ? [] : formats.filter(\.isCompressed).map { .compressing(format: $0.rawValue) },
            budget: 7)
        add([.checksumming], budget: 5)
        add([.done], budget: 0)
    }

    private mutating func add(_ group: [BuildStage], budget: Double) {
        for stage in group {
            stages.append(stage)
            weights.append(budget / Double(group.count))
        }
    }

    /// The percentage reached when `stage` starts; 100 for `.done`, 0 for a stage the plan does not hold (which
    /// ``ProgressReporter`` turns into "no change").
    func percent(atStartOf stage: BuildStage) -> Double {
        guard stage != .done else { return 100 }
        let total = weights.reduce(0, +)
        guard let index = stages.firstIndex(of: stage), total > 0 else { return 0 }
        let before = weights[..<index].reduce(0, +)
        return (before / total * 1000).rounded() / 10
    }
}
