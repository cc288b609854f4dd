import Foundation
import KilnCatalog
import KilnPlanner
import KilnSpec
import KilnTestSupport
import Testing

@Suite("Planner: builds")
struct PlannerBuildTests {
    @Test("a new build is recorded and run once")
    func newBuild() {
        let desired = Fixture.snapshot([Specs.build("b", token: nil)])
        let plan = Fixture.plan(desired, CatalogState())
        #expect(Fixture.verbs(plan) == ["create ImageBuild/b", "run ImageBuild/b"])
        guard case .run(_, .firstRun, nil) = plan.actions[1] else {
            Issue.record("expected a first run, got \(plan.actions[1])")
            return
        }
    }

    @Test("a settled state needs nothing")
    func settled() {
        let desired = Fixture.snapshot([
            Specs.build("b", token: nil), Specs.image("i", build: "b"), Specs.vm("v", image: "i", powerState: "running")
        ])
        #expect(Fixture.plan(desired, Fixture.settled(desired)).actions.isEmpty)
    }

    /// (what changes, the plan's actions)
    static let changes: [(String, String, [String])] = [
        ("description only", Specs.build("b", token: nil, description: "other"), ["update ImageBuild/b"]),
        (
            "output formats under onChange", Specs.build("b", formats: ["qcow2", "vmdk"], token: nil),
            ["update ImageBuild/b", "run ImageBuild/b"]
        ),
        (
            "output formats under manual", Specs.build("b", formats: ["vmdk"], token: nil, policy: "manual"),
            ["update ImageBuild/b"]
        ),
        ("a new token", Specs.build("b", token: "2"), ["update ImageBuild/b", "run ImageBuild/b"]),
        (
            "a new token under manual", Specs.build("b", token: "2", policy: "manual"),
            ["update ImageBuild/b", "run ImageBuild/b"]
        ),
        ("keepResults only", Specs.build("b", keepResults: 3, token: nil), ["update ImageBuild/b"]),
        (
            "suspend with a spec change", Specs.build("b", formats: ["vmdk"], token: nil, suspend: true),
            ["update ImageBuild/b"]
        )
    ]

    @Test("spec changes and what they start", arguments: changes)
    func specChanges(_ change: (String, String, [String])) {
        let before = Fixture.snapshot([Specs.build("b", token: "1")])
        let after = Fixture.snapshot([change.1], commit: "c2")
        #expect(Fixture.verbs(Fixture.plan(after, Fixture.settled(before))) == change.2, "\(change.0)")
    }

    @Test("a changed script changes the inputs and runs the build")
    func scriptChange() {
        let before = Fixture.snapshot([Specs.build("b", token: nil)])
        let after = Fixture.snapshot(
            [Specs.build("b", token: nil)], scripts: ["scripts/provision.sh": "#!/bin/sh\necho changed\n"])
        let plan = Fixture.plan(after, Fixture.settled(before))
        #expect(Fixture.verbs(plan) == ["update ImageBuild/b", "run ImageBuild/b"])
        guard case .run(_, .inputsChanged, nil) = plan.actions[1] else {
            Issue.record("expected inputsChanged, got \(plan.actions[1])")
            return
        }
    }

    @Test("new tools change the inputs: a new build, not a reuse")
    func newTools() {
        let desired = Fixture.snapshot([Specs.build("b", token: nil)])
        var policy = Fixture.policy
        policy.toolsFingerprint = "qemu-img 8"
        #expect(
            Fixture.verbs(Fixture.plan(desired, Fixture.settled(desired), policy: policy))
                == ["update ImageBuild/b", "run ImageBuild/b"])
    }

    @Test("returning to inputs that already succeeded reuses that execution's outputs")
    func reuse() {
        let a = Fixture.snapshot([Specs.build("b", token: nil)])
        let b = Fixture.snapshot([Specs.build("b", formats: ["vmdk"], token: nil)], commit: "c2")
        var actual = Fixture.settled(a)
        let inputsA = actual.builds["b"]!.inputsHash
        let inputsB = Planner.inputsHash(
            b.object(.imageBuild, "b")!, in: b, policy: Fixture.policy, actual: CatalogState())
        actual.executions["b"] = [
            Fixture.execution("b", 1, .success, inputs: inputsA, id: 1),
            Fixture.execution("b", 2, .success, inputs: inputsB, id: 2)
        ]
        let plan = Fixture.plan(a, actual)
        guard case .run(_, .inputsChanged, let reuse)? = plan.actions.first(where: { $0.verb == "run" }) else {
            Issue.record("expected a run: \(plan.actions)")
            return
        }
        #expect(reuse == 1)
    }

    @Test("a new token never reuses, even with the same inputs")
    func tokenNeverReuses() {
        let before = Fixture.snapshot([Specs.build("b", token: "1")])
        let after = Fixture.snapshot([Specs.build("b", token: "2")])
        let plan = Fixture.plan(after, Fixture.settled(before))
        guard case .run(_, .tokenChanged(let from, let to), let reuse)? = plan.actions.last else {
            Issue.record("expected a token run: \(plan.actions)")
            return
        }
        #expect(from == "1" && to == "2" && reuse == nil)
    }

    @Test("a running execution of an outdated spec is cancelled and the new spec runs")
    func cancelOutdated() {
        let before = Fixture.snapshot([Specs.build("b", token: nil)])
        var actual = Fixture.settled(before)
        actual.executions["b"]!.append(
            Fixture.execution("b", 2, .running, inputs: actual.builds["b"]!.inputsHash, id: 9))
        let after = Fixture.snapshot([Specs.build("b", formats: ["vmdk"], token: nil)])
        #expect(
            Fixture.verbs(Fixture.plan(after, actual)) == [
                "update ImageBuild/b", "cancel ImageBuild/b", "run ImageBuild/b"
            ])
    }

    @Test("a running execution of the current spec is left to finish; no second run")
    func runningCurrent() {
        let desired = Fixture.snapshot([Specs.build("b", token: "2")])
        var actual = Fixture.settled(desired)
        actual.executions["b"]!.append(
            Fixture.execution(
                "b", 2, .running, inputs: actual.builds["b"]!.inputsHash,
                token: "2", id: 9))
        #expect(Fixture.plan(desired, actual).actions.isEmpty)
    }

    @Test("under manual, a spec change lets the running execution finish")
    func manualLetsRun() {
        let before = Fixture.snapshot([Specs.build("b", token: nil, policy: "manual")])
        var actual = Fixture.settled(before)
        actual.executions["b"]!.append(
            Fixture.execution("b", 2, .running, inputs: actual.builds["b"]!.inputsHash, id: 9))
        let after = Fixture.snapshot([Specs.build("b", formats: ["vmdk"], token: nil, policy: "manual")])
        #expect(Fixture.verbs(Fixture.plan(after, actual)) == ["update ImageBuild/b"])
    }

    @Test("deleting a build cancels its running execution, then deletes it")
    func deleteRunning() {
        let before = Fixture.snapshot([Specs.build("b", token: nil), Specs.build("keep", token: nil)])
        var actual = Fixture.settled(before)
        actual.executions["b"]!.append(Fixture.execution("b", 2, .running, inputs: "x", id: 9))
        let after = Fixture.snapshot([Specs.build("keep", token: nil)])
        #expect(Fixture.verbs(Fixture.plan(after, actual)) == ["cancel ImageBuild/b", "delete ImageBuild/b"])
    }

    @Test("a failed execution is not retried on its own; the status says what to do")
    func failedStays() {
        let desired = Fixture.snapshot([Specs.build("b", token: nil)])
        var actual = Fixture.settled(desired)
        let inputs = actual.builds["b"]!.inputsHash
        actual.executions["b"] = [Fixture.execution("b", 1, .failed, inputs: inputs, id: 1)]
        let plan = Fixture.plan(desired, actual)
        #expect(plan.actions.isEmpty)
        #expect(plan.notes[ObjectKey(.imageBuild, "b")]?.first?.reason == .failed)
    }

    @Test("an interrupted or cancelled execution runs again", arguments: [true, false])
    func interruptedRuns(_ interrupted: Bool) {
        let desired = Fixture.snapshot([Specs.build("b", token: nil)])
        var actual = Fixture.settled(desired)
        let inputs = actual.builds["b"]!.inputsHash
        actual.executions["b"] = [
            Fixture.execution(
                "b", 1, interrupted ? .failed : .cancelled, inputs: inputs,
                interrupted: interrupted, id: 1)
        ]
        guard case .run(_, .interrupted(1), _)? = Fixture.plan(desired, actual).actions.first else {
            Issue.record("expected a rerun")
            return
        }
    }

    @Test("suspend: no new execution, and a running one finishes")
    func suspended() {
        let desired = Fixture.snapshot([Specs.build("b", token: "9", suspend: true)])
        var actual = Fixture.settled(Fixture.snapshot([Specs.build("b", token: "9", suspend: true)]))
        actual.executions["b"] = [Fixture.execution("b", 1, .running, inputs: "old", token: "1", id: 1)]
        let plan = Fixture.plan(desired, actual)
        #expect(plan.actions.isEmpty)
        #expect(plan.notes[ObjectKey(.imageBuild, "b")]?.map(\.reason) == [.suspended])
    }

    @Test("executions beyond keepResults are pruned, oldest first; 0 keeps all", arguments: [0, 1, 2, 5])
    func prune(_ keep: Int) {
        let desired = Fixture.snapshot([Specs.build("b", keepResults: keep, token: nil)])
        var actual = Fixture.settled(desired)
        let inputs = actual.builds["b"]!.inputsHash
        actual.executions["b"] = (1...4).map {
            Fixture.execution("b", $0, $0 == 2 ? .failed : .success, inputs: inputs, id: Int64($0))
        }
        actual.virtualImages = [:]
        let pruned = Fixture.plan(desired, actual).actions.compactMap { action -> Int? in
            if case .prune(_, _, let n) = action { return n }
            return nil
        }
        let expected = keep == 0 ? [] : Array(1...4).dropLast(keep).map { $0 }
        #expect(pruned == expected)
    }

    @Test("an execution an Image or VM still uses is held back, and the status says why")
    func pruneHeldBack() {
        let desired = Fixture.snapshot([
            Specs.build("b", keepResults: 1, token: nil), Specs.image("i", build: "b"),
            Specs.vm("v", image: "i", powerState: "running")
        ])
        var actual = Fixture.settled(desired)
        let inputs = actual.builds["b"]!.inputsHash
        let old = actual.executions["b"]![0]
        actual.executions["b"]!.append(Fixture.execution("b", 2, .failed, inputs: inputs, id: 50))
        actual.executions["b"]!.append(Fixture.execution("b", 3, .failed, inputs: inputs, id: 51))
        let plan = Fixture.plan(desired, actual)
        #expect(Fixture.verbs(plan) == ["prune ImageBuild/b"])
        let note = plan.notes[ObjectKey(.imageBuild, "b")]?.first { $0.reason == .heldBack }
        #expect(
            note?.message.contains("execution #\(old.buildNumber) is kept beyond keepResults 1: Image i uses") == true)
    }
}
