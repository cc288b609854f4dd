import Foundation
import KilnCatalog
import KilnPlanner
import KilnSpec
import KilnTestSupport
import Testing

/// Layered builds (`source: {image: NAME}`): the base Image's sha256 is a build input, so a new base rebuilds its
/// layers in dependency order, and `kiln plan` says so for every descendant.
@Suite("Planner: layered builds")
struct PlannerLayeredTests {
    static func layer(_ name: String, on image: String, token: String = "1") -> String {
        Specs.build(name, token: token).replacingOccurrences(
            of: "    scratch: true", with: "    image: \(image)")
    }

    /// base → Image base → web (layer) → Image web → app (layer on web)
    static func chain(baseToken: String = "1", baseFormats: [String] = ["qcow2"]) -> [String] {
        [
            Specs.build("base", formats: baseFormats, token: baseToken), Specs.image("base", build: "base"),
            layer("web", on: "base"), Specs.image("web", build: "web"), layer("app", on: "web")
        ]
    }

    @Test("a settled chain needs nothing")
    func settledChain() {
        let desired = Fixture.snapshot(Self.chain())
        #expect(Fixture.plan(desired, Fixture.settled(desired)).actions.isEmpty)
    }

    @Test("a layer waits for its base Image to be ACTIVE")
    func waitsForBase() {
        let desired = Fixture.snapshot(Self.chain())
        let plan = Fixture.plan(desired, CatalogState())
        #expect(Fixture.verbs(plan).contains("run ImageBuild/base"))
        #expect(!Fixture.verbs(plan).contains("run ImageBuild/web"))
        #expect(
            plan.notes[ObjectKey(.imageBuild, "web")]?.contains(Note(.waiting, "base Image base is not ready yet"))
                == true)
    }

    @Test("a new base image rebuilds the layer on it, saying why")
    func newBaseRebuildsTheLayer() throws {
        let desired = Fixture.snapshot(Self.chain())
        var actual = Fixture.settled(desired)
        actual.images["base"]?.sha256 = String(repeating: "b", count: 64)
        let plan = Fixture.plan(desired, actual)
        #expect(Fixture.verbs(plan) == ["update ImageBuild/web", "run ImageBuild/web"])
        let run = try #require(plan.actions.last)
        guard case .run("web", .baseImageChanged("base"), nil) = run else {
            Issue.record("expected a rebuild for the base, got \(run)")
            return
        }
        #expect(RunReason.baseImageChanged("base").description == "rebuilt: base image base changed")
    }

    @Test("kiln plan names every descendant of a changed base, at any depth")
    func previewAcrossDepth() {
        let before = Fixture.snapshot(Self.chain())
        let after = Fixture.snapshot(Self.chain(baseFormats: ["qcow2", "vmdk"]), commit: "c2")
        let preview = ChangePreview.make(from: before, to: after, policy: Fixture.policy)
        let runs = preview.consequences.filter { $0.action == "run" }.map { "\($0.key) \($0.reason)" }
        #expect(runs.contains { $0.hasPrefix("ImageBuild/base a new execution") }, "\(runs)")
        #expect(runs.contains("ImageBuild/web rebuilt: base image base changed"), "\(runs)")
        #expect(runs.contains("ImageBuild/app rebuilt: base image web changed"), "\(runs)")
    }

    /// The chain after a commit that changes the base (a new token) and the web layer (a new format) at once.
    static func changedChain() -> [String] {
        [
            Specs.build("base", token: "2"), Specs.image("base", build: "base"),
            layer("web", on: "base").replacingOccurrences(
                of: "conversionFormats: [qcow2]", with: "conversionFormats: [qcow2, vmdk]"),
            Specs.image("web", build: "web"), layer("app", on: "web")
        ]
    }

    /// The run actions of a plan, by build.
    static func runs(_ plan: ReconcilePlan) -> [String: RunReason] {
        var out: [String: RunReason] = [:]
        for case .run(let build, let reason, _) in plan.actions { out[build] = reason }
        return out
    }

    /// What the executor records for the spec updates of a plan: each build's record takes its new spec.
    static func applySpecs(_ desired: Snapshot, to actual: inout CatalogState) {
        for object in desired.objects(of: .imageBuild) {
            actual.builds[object.name]?.contentHash = object.contentHash
        }
    }

    @Test("a commit that changes a base and its layer builds the layer once, on the new base")
    func layerWaitsForItsChangingBase() throws {
        let before = Fixture.snapshot(Self.chain())
        let desired = Fixture.snapshot(Self.changedChain(), commit: "c2")
        var actual = Fixture.settled(before)

        // Pass 1: the base runs; the layer, changed too, is held rather than built on the old base, and so is the
        // layer on it (its own base, web, is held).
        let first = Fixture.plan(desired, actual)
        #expect(Self.runs(first).keys.sorted() == ["base"], "\(Fixture.verbs(first))")
        #expect(
            first.held["web"]
                == HeldBuild(
                    ancestor: ObjectKey(.imageBuild, "base"),
                    why: "a new execution is planned: run.token changed (1 → 2)",
                    ownReason: .inputsChanged))
        #expect(first.held["app"]?.ancestor == ObjectKey(.imageBuild, "base"))
        #expect(first.held["app"]?.ownReason == nil)
        let note = try #require(first.notes[ObjectKey(.imageBuild, "web")]?.first)
        #expect(note.reason == .waiting)
        #expect(
            note.message.hasPrefix("held while ImageBuild/base is about to change (a new execution is planned"),
            "\(note.message)")
        #expect(note.message.hasSuffix("so that it runs once, on the new base"), "\(note.message)")

        // Pass 2: the base's execution is running; still held.
        Self.applySpecs(desired, to: &actual)
        let baseObject = try #require(desired.object(.imageBuild, "base"))
        let baseInputs = Planner.inputsHash(baseObject, in: desired, policy: Fixture.policy, actual: actual)
        actual.builds["base"]?.inputsHash = baseInputs
        actual.executions["base", default: []].append(
            Fixture.execution("base", 2, .running, inputs: baseInputs, token: "2", id: 50))
        let second = Fixture.plan(desired, actual)
        #expect(Self.runs(second).isEmpty, "\(Fixture.verbs(second))")
        #expect(second.held["web"]?.why == "execution #2 is running", "\(second.held)")

        // Pass 3: the base succeeded, but Image base has not moved to it yet; still held, and the Image resolves.
        actual.executions["base"]?[1].status = .success
        actual.virtualImages[50] = [
            VirtualImageRecord(
                id: 5000, executionId: 50, buildName: "base", buildNumber: 2,
                name: "base-2", format: "qcow2", path: "base/2/base-2.qcow2", size: 0,
                sha256: String(repeating: "e", count: 64), createdAt: Date(timeIntervalSince1970: 0))
        ]
        let third = Fixture.plan(desired, actual)
        #expect(Self.runs(third).isEmpty, "\(Fixture.verbs(third))")
        #expect(Fixture.verbs(third).contains("resolve Image/base"))
        #expect(third.held["web"]?.ancestor == ObjectKey(.image, "base"))
        #expect(third.held["web"]?.why == "it moves to ImageBuild base's execution #2")

        // Pass 4: Image base is on the new disk; web runs now, once, and app waits for it in turn.
        actual.images["base"]?.virtualImageId = 5000
        actual.images["base"]?.path = "base/2/base-2.qcow2"
        actual.images["base"]?.sha256 = String(repeating: "e", count: 64)
        let fourth = Fixture.plan(desired, actual)
        #expect(Self.runs(fourth) == ["web": .baseImageChanged("base")], "\(Fixture.verbs(fourth))")
        #expect(fourth.held["app"]?.ancestor == ObjectKey(.imageBuild, "web"))
        #expect(fourth.held["web"] == nil)
    }

    @Test("a layer whose base is building waits, even when nothing of its own changed")
    func layerWaitsForARunningBase() {
        let desired = Fixture.snapshot(Self.chain())
        var actual = Fixture.settled(desired)
        let inputs = actual.builds["base"]!.inputsHash
        actual.executions["base", default: []].append(
            Fixture.execution("base", 2, .pending, inputs: inputs, token: "1", id: 60))
        // The base Image now has other bits: without the hold, web would build on the disk about to be replaced.
        actual.images["base"]?.sha256 = String(repeating: "d", count: 64)
        let plan = Fixture.plan(desired, actual)
        #expect(Self.runs(plan).isEmpty, "\(Fixture.verbs(plan))")
        #expect(plan.held["web"]?.why == "execution #2 is pending")
    }

    @Test("an unrelated layer is not held, and a settled base holds nothing")
    func noHoldWithoutAChangingAncestor() {
        let docs =
            Self.chain() + [
                Specs.build("other", token: "1"), Specs.image("other", build: "other"),
                Self.layer("side", on: "other")
            ]
        let desired = Fixture.snapshot(docs)
        var actual = Fixture.settled(
            Fixture.snapshot(
                Self.chain(baseToken: "0") + [
                    Specs.build("other", token: "1"),
                    Specs.image("other", build: "other"), Self.layer("side", on: "other", token: "0")
                ]))
        Self.applySpecs(desired, to: &actual)
        let plan = Fixture.plan(desired, actual)
        // base runs (new token); side runs on its settled base (its own new token); web and app wait for base.
        #expect(Set(Self.runs(plan).keys) == ["base", "side"], "\(Fixture.verbs(plan))")
        #expect(Set(plan.held.keys) == ["web", "app"])
    }

    @Test("kiln plan shows a changed layer on a changed base running once, held for its base")
    func previewHoldsTheLayer() {
        let before = Fixture.snapshot(Self.chain())
        let after = Fixture.snapshot(Self.changedChain(), commit: "c2")
        let preview = ChangePreview.make(from: before, to: after, policy: Fixture.policy)
        let runs = preview.consequences.filter { $0.action == "run" }
        #expect(runs.map(\.key.name) == ["base", "web", "app"], "\(runs)")
        #expect(
            runs[1].reason
                == "rebuilt: base image base changed (held until then, so its own change runs in that one execution: the build's inputs changed (spec or scripts))",
            "\(runs[1].reason)")
        #expect(runs[2].reason == "rebuilt: base image web changed")
    }

    @Test("kiln plan against a catalog whose base is building: the held layer's own change is shown")
    func previewHeldForARunningBase() {
        let before = Fixture.snapshot(Self.chain())
        let after = Fixture.snapshot(
            Self.changedChain().enumerated().map { $0.offset == 0 ? Specs.build("base", token: "1") : $0.element },
            commit: "c2")
        var actual = Fixture.settled(before)
        let inputs = actual.builds["base"]!.inputsHash
        actual.executions["base", default: []].append(
            Fixture.execution("base", 2, .running, inputs: inputs, token: "1", id: 70))
        let preview = ChangePreview.make(from: before, to: after, actual: actual, policy: Fixture.policy)
        let runs = preview.consequences.filter { $0.action == "run" }.map { "\($0.key) \($0.reason)" }
        #expect(
            runs == [
                "ImageBuild/web held while ImageBuild/base is about to change (execution #2 is running); then runs once, on the new base: the build's inputs changed (spec or scripts)"
            ],
            "\(runs)")
    }

    @Test("the base's sha256 is part of the inputs hash")
    func inputsHoldTheBase() throws {
        let desired = Fixture.snapshot(Self.chain())
        var actual = Fixture.settled(desired)
        let web = try #require(desired.object(.imageBuild, "web"))
        let before = Planner.inputsHash(web, in: desired, policy: Fixture.policy, actual: actual)
        actual.images["base"]?.sha256 = String(repeating: "c", count: 64)
        #expect(Planner.inputsHash(web, in: desired, policy: Fixture.policy, actual: actual) != before)
        let base = try #require(desired.object(.imageBuild, "base"))
        #expect(
            Planner.inputsHash(base, in: desired, policy: Fixture.policy, actual: actual)
                == Planner.inputsHash(base, in: desired, policy: Fixture.policy, actual: CatalogState()))
    }
}
