import KilnSpec
import Testing

/// `hosts.yaml`: what git says about the fleet's hosts, validated like the specs with file:line:column errors.
@Suite struct HostsFileTests {
    @Test func theCordonedListIsReadInOrderWithWhereEachNameIs() throws {
        let file = DocumentParser.parse(
            path: "specs/hosts.yaml", text: "# fleet\ncordoned:\n  - b\n  - c.example.org\n")
        #expect(file.errors.isEmpty)
        let hosts = try #require(file.hosts)
        #expect(hosts.cordoned == ["b", "c.example.org"])
        #expect(hosts.location(of: "c.example.org") == "specs/hosts.yaml:4:5")
        #expect(file.objects.isEmpty && file.declared.isEmpty)
        // Empty, or an empty list: nothing cordoned, not an error.
        #expect(DocumentParser.parse(path: "hosts.yaml", text: "").hosts?.cordoned == [])
        #expect(DocumentParser.parse(path: "hosts.yaml", text: "cordoned: []\n").hosts?.cordoned == [])
        #expect(DocumentParser.parse(path: "hosts.yaml", text: "cordoned:\n").hosts?.cordoned == [])
    }

    @Test(arguments: [
        (
            "cordon: [b]\n",
            "hosts.yaml:1:1: cordon: unknown field \"cordon\" (hosts.yaml knows: cordoned) (did you mean \"cordoned\"?)"
        ),
        ("cordoned: b\n", "hosts.yaml:1:11: cordoned: must be a list of host names ([a, b]), not a scalar"),
        (
            "cordoned: [b, 'c d']\n",
            "hosts.yaml:1:15: cordoned[1]: \"c d\" is not a host name: \" \" is not allowed (letters, digits, '-', '_' and '.' only)"
        ),
        ("cordoned: [b, {x: 1}]\n", "hosts.yaml:1:15: cordoned[1]: must be a host name, not a mapping"),
        (
            "cordoned:\n  - b\n  - b\n",
            "hosts.yaml:3:5: cordoned[1]: host \"b\" is listed twice (first at hosts.yaml:2:5)"
        ),
        ("- b\n", "hosts.yaml:1:1: hosts.yaml must be a mapping (cordoned: [NAME, …]), not a list"),
        (
            "cordoned: [a]\n---\ncordoned: [b]\n",
            "hosts.yaml:3:1: hosts.yaml holds one document (a mapping with cordoned), not 2"
        )
    ])
    func mistakesAreNamedWithFileLineAndColumn(_ text: String, _ expected: String) {
        let file = DocumentParser.parse(path: "hosts.yaml", text: text)
        #expect(file.errors.map(\.description) == [expected])
        #expect(file.hosts == nil)
    }

    @Test func theSnapshotCarriesItAndASecondOneIsRefused() throws {
        let files = [
            "builds/web.yaml": Doc.build(), "images/web.yaml": Doc.image(), "hosts.yaml": "cordoned: [b]\n"
        ]
        let snapshot = try assemble(files).get()
        #expect(snapshot.hosts?.cordoned == ["b"])
        #expect(snapshot.objects.count == 2)
        var withSecond = files
        withSecond["more/hosts.yaml"] = "cordoned: [c]\n"
        #expect(
            assemblyErrors(withSecond) == [
                "more/hosts.yaml:1:1: a second hosts.yaml (the first is hosts.yaml); keep one per spec root"
            ])
        // The incremental assembler (a commit at a time) says the same.
        var incremental = IncrementalAssembler()
        for (path, text) in files { incremental.replace(path, with: DocumentParser.parse(path: path, text: text)) }
        #expect(try incremental.assemble(tree: FakeTree(), revision: nil).get().hosts?.cordoned == ["b"])
        incremental.replace("hosts.yaml", with: nil)
        #expect(try incremental.assemble(tree: FakeTree(), revision: nil).get().hosts == nil)
    }
}
