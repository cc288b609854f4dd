import KilnReconciler
import KilnSpec

/// A reconcile pass as a `pass` event: the commits, what it did, and how many objects are Ready.
public enum PassEvent {
    public static func data(_ report: PassReport) -> SpecValue {
        let ready = report.objects.values.filter(\.ready).count
        return .object([
            "head": report.headCommit.map(SpecValue.string) ?? .null,
            "applied": report.appliedCommit.map(SpecValue.string) ?? .null,
            "actions": .int(report.outcomes.count),
            "failed": .int(report.failedActions.count),
            "ready": .int(ready),
            "objects": .int(report.objects.count),
            "settled": .bool(report.settled),
            "refused": report.refusal.map { SpecValue.string($0.rawValue) } ?? .null,
            "sourceError": report.sourceError.map(SpecValue.string) ?? .null
        ])
    }
}
