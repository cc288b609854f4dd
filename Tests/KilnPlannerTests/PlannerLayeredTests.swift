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
        Specs.build(name, token: token).replacingOccurrences(of: "source: {scratch: true}", with: "source: {image: \(image)}")
    }

    /// base → Image base → web (layer) → Image web → app (layer on web)
    static func chain(baseToken: String = "1", baseFormats: [String] = ["qcow2"]) -> [String] {
        [Specs.build("base", token: baseToken, formats: baseFormats), Specs.image("base", build: "base"),
         layer("web", on: "base"), Specs.image("web", build: "web"), layer("app", on: "web")]
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
        #expect(plan.notes[ObjectKey(.imageBuild, "web")]?.contains(Note(.waiting, "base Image base is not ready yet")) == true)
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

    @Test("the base's sha256 is part of the inputs hash")
    func inputsHoldTheBase() throws {
        let desired = Fixture.snapshot(Self.chain())
        var actual = Fixture.settled(desired)
        let web = try #require(desired.object(.imageBuild, "web"))
        let before = Planner.inputsHash(web, in: desired, policy: Fixture.policy, actual: actual)
        actual.images["base"]?.sha256 = String(repeating: "c", count: 64)
        #expect(Planner.inputsHash(web, in: desired, policy: Fixture.policy, actual: actual) != before)
        let base = try #require(desired.object(.imageBuild, "base"))
        #expect(Planner.inputsHash(base, in: desired, policy: Fixture.policy, actual: actual)
                == Planner.inputsHash(base, in: desired, policy: Fixture.policy, actual: CatalogState()))
    }
}
