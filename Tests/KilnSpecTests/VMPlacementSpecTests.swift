import KilnSpec
import Testing

/// A VirtualMachine's `placement` (issue 13): a fleet host by name, or host labels; validated like every field.
@Suite struct VMPlacementSpecTests {
    @Test func aHostOrLabelsAreKeptAsWritten() throws {
        let byHost = try object(Doc.vm("image: web\nplacement:\n  host: kiln-b.example.org"))
        #expect(byHost.spec["placement"] == .object(["host": .string("kiln-b.example.org")]))
        let byLabels = try object(Doc.vm("image: web\nplacement: {labels: {arch: x86_64, disk: ssd}}"))
        #expect(
            byLabels.spec["placement"]
                == .object(["labels": .object(["arch": .string("x86_64"), "disk": .string("ssd")])]))
        // No default: a VM without placement keeps the spec (and spec hash) it had before the field existed.
        #expect(try object(Doc.vm()).spec["placement"] == nil)
    }

    @Test(arguments: [
        (
            Doc.vm("image: web\nplacement:\n  host: a b"),
            #"s.yaml:8:11: spec.placement.host: "a b" is not a host name: " " is not allowed (letters, digits, '-', '_' and '.' only)"#
        ),
        (
            Doc.vm("image: web\nplacement:\n  host: \"\""),
            "s.yaml:8:11: spec.placement.host: a host name must not be empty"
        ),
        (
            Doc.vm("image: web\nplacement:\n  host: [a, b]"),
            "s.yaml:8:11: spec.placement.host: must be a string, not a list"
        ),
        (
            Doc.vm("image: web\nplacement:\n  node: a"),
            "s.yaml:8:5: spec.placement.node: unknown field (known fields: host, labels)"
        ),
        (
            Doc.vm("image: web\nplacement:\n  labels: {arch: [x86_64]}"),
            "s.yaml:8:20: spec.placement.labels.arch: must be a string, not a list"
        ),
        (
            Doc.vm("image: web\nplacement: kiln-b"),
            "s.yaml:7:14: spec.placement: must be a mapping, not a scalar"
        )
    ])
    func badPlacementsAreRefusedWhereTheyAre(text: String, expected: String) {
        #expect(errors(text) == [expected])
    }

    @Test(arguments: ["a", "kiln-b", "host_2.example.org", String(repeating: "h", count: 253)])
    func hostNamesAsServeTakesThem(name: String) {
        #expect(HostName.problem(name) == nil)
    }

    @Test(arguments: [String(repeating: "h", count: 254), "é", "a/b", "a:b", "a\u{1b}"])
    func notHostNames(name: String) {
        #expect(HostName.problem(name) != nil)
    }
}
