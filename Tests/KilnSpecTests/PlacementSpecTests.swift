import KilnSpec
import Testing

/// An ImageBuild's `placement` (issue 13): which fleet hosts may run its executions, by name or by host labels.
@Suite struct PlacementSpecTests {
    @Test func aHostAndLabelsBecomeTheLabelsAHostMustHold() throws {
        let build = try object(
            Doc.build(Doc.buildBody + "\nplacement: {host: kiln-b, labels: {kvm: \"yes\", zone: a}}"))
        let placement = ImageBuildSpec(build.spec).placement
        #expect(placement == Placement(host: "kiln-b", labels: ["kvm": "yes", "zone": "a"]))
        #expect(placement.workLabels == ["kiln.dev/host=kiln-b", "kvm=yes", "zone=a"])
        #expect(placement.description == "host kiln-b and labels kvm=yes, zone=a")
        // No default: a build without placement keeps the spec (and spec hash) it had before the field existed, and
        // runs on any host.
        let anywhere = try object(Doc.build())
        #expect(anywhere.spec["placement"] == nil)
        #expect(ImageBuildSpec(anywhere.spec).placement.workLabels.isEmpty)
    }

    @Test(arguments: [
        (
            Doc.build(Doc.buildBody + "\nplacement: {host: a/b}"),
            #"s.yaml:8:21: spec.placement.host: "a/b" is not a host name: "/" is not allowed (letters, digits, '-', '_' and '.' only)"#
        ),
        (
            Doc.build(Doc.buildBody + "\nplacement: {labels: {kvm: [yes]}}"),
            "s.yaml:8:29: spec.placement.labels.kvm: must be a string, not a list"
        ),
        (
            Doc.build(Doc.buildBody + "\nplacement: {node: a}"),
            "s.yaml:8:15: spec.placement.node: unknown field (known fields: host, labels)"
        )
    ])
    func badPlacementsAreRefusedWhereTheyAre(text: String, expected: String) {
        #expect(errors(text) == [expected])
    }

    /// Where a build runs does not change what it makes: moving it to other hosts starts no new execution.
    @Test func placementIsNotABuildInput() throws {
        let here = ["builds/web.yaml": Doc.build()]
        let there = ["builds/web.yaml": Doc.build(Doc.buildBody + "\nplacement: {labels: {zone: b}}")]
        let before = try assemble(here, tree: FakeTree()).get()
        let after = try assemble(there, tree: FakeTree()).get()
        let build = try #require(before.object(.imageBuild, "web"))
        let moved = try #require(after.object(.imageBuild, "web"))
        #expect(build.specHash != moved.specHash)
        #expect(after.buildInputsHash(moved) == before.buildInputsHash(build))
    }
}
