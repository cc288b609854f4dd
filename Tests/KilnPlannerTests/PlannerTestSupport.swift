import Foundation
import KilnCatalog
import KilnPlanner
import KilnSpec
import KilnTestSupport

/// Small builders for planner tables: desired states from YAML, actual states from settled snapshots.
enum Fixture {
    static let script = "#!/bin/sh\necho hi\n"

    static func snapshot(
        _ docs: [String], scripts: [String: String] = ["scripts/provision.sh": script],
        commit: String = "c1"
    ) -> Snapshot {
        var files = scripts
        for (i, doc) in docs.enumerated() { files["spec-\(i).yaml"] = doc }
        switch SnapshotFixture.load(files, revision: Revision(id: commit, author: "Ada", message: "m")) {
        case .success(let s): return s
        case .failure(let f): fatalError(f.errors.map(\.description).joined(separator: "\n"))
        }
    }

    static let policy = PlannerPolicy(now: Date(timeIntervalSince1970: 1_000_000), toolsFingerprint: "tools")

    static func plan(_ desired: Snapshot, _ actual: CatalogState, policy: PlannerPolicy = policy) -> ReconcilePlan {
        Planner.plan(desired: desired, actual: actual, policy: policy)
    }

    /// The actions as short strings (`run ImageBuild/b`), easy to compare in tables.
    static func verbs(_ plan: ReconcilePlan) -> [String] {
        plan.actions.map { "\($0.verb) \($0.key)" }
    }

    static func settled(_ snapshot: Snapshot) -> CatalogState {
        SimulatedState.settled(snapshot, policy: policy)
    }

    static func execution(
        _ build: String, _ number: Int, _ status: ExecutionRecord.Status, inputs: String,
        token: String? = nil, interrupted: Bool = false, id: Int64
    ) -> ExecutionRecord {
        ExecutionRecord(
            id: id, buildName: build, buildNumber: number, status: status, createdBy: "t", revision: "c0",
            specRoot: "", spec: .object([:]), inputsHash: inputs, runToken: token, logPath: "",
            reason: "test", interrupted: interrupted, createdAt: Date(timeIntervalSince1970: 0))
    }
}
