import KilnSpec
import KilnYAML
import Testing

/// One file on its own: YAML, the envelope, the kind's schema and the checks that need only the document.
@Suite struct DocumentParserTests {
    @Test func aValidFileGivesItsObjectsWithWhereTheirNamesAre() throws {
        let text = "# two objects\n" + Doc.build() + "---\n" + Doc.vm(name: "web-1")
        let parsed = parse(text, file: "specs/all.yaml")
        #expect(parsed.errors.isEmpty)
        #expect(parsed.size == text.utf8.count)
        #expect(parsed.objects.map(\.key) == [ObjectKey(.imageBuild, "web"), ObjectKey(.virtualMachine, "web-1")])
        #expect(parsed.objects.map(\.location) == ["specs/all.yaml:5:9", "specs/all.yaml:13:9"])
        #expect(parsed.declared.map(\.key) == parsed.objects.map(\.key))
        #expect(
            parsed.objects[1].document
                == .object([
                    "apiVersion": .string("kiln.dev/v1"), "kind": .string("VirtualMachine"),
                    "metadata": .object(["name": .string("web-1")]),
                    "spec": parsed.objects[1].spec
                ]))
    }

    @Test func emptyDocumentsAreSkipped() throws {
        let parsed = parse("---\n---\n# nothing\n---\n" + Doc.vm() + "...\n---\n")
        #expect(parsed.errors.isEmpty)
        #expect(parsed.objects.count == 1)
        #expect(parsed.objects[0].line == 8)
    }

    @Test(arguments: [
        (
            "apiVersion: kiln.dev/v1\nmetadata: {name: web}\nspec: {image: web}\n",
            "s.yaml:1:1: kind: missing required field (one of ImageBuild, Image, VirtualMachine)"
        ),
        (
            "apiVersion: kiln.dev/v1\nkind: Imag\nmetadata: {name: web}\nspec: {}\n",
            #"s.yaml:2:7: kind: "Imag" is not a kind Kiln knows (ImageBuild, Image, VirtualMachine) (did you mean "Image"?)"#
        ),
        (
            "apiVersion: kiln.dev/v1\nkind: virtualmachine\nmetadata: {name: web}\nspec: {}\n",
            #"s.yaml:2:7: kind: "virtualmachine" is not a kind Kiln knows (ImageBuild, Image, VirtualMachine) (did you mean "VirtualMachine"?)"#
        ),
        (
            "apiVersion: kiln.dev/v2\nkind: VirtualMachine\nmetadata: {name: web}\nspec: {image: web}\n",
            #"s.yaml:1:13: apiVersion: must be "kiln.dev/v1", not "kiln.dev/v2""#
        ),
        (
            "kind: VirtualMachine\nmetadata: {name: web}\nspec: {image: web}\n",
            "s.yaml:1:1: apiVersion: missing required field"
        ),
        (
            "- apiVersion: kiln.dev/v1\n",
            "s.yaml:1:1: a spec document must be a mapping with apiVersion, kind, metadata and spec, not a list"
        ),
        (
            "just words\n",
            "s.yaml:1:1: a spec document must be a mapping with apiVersion, kind, metadata and spec, not a scalar"
        )
    ])
    func theEnvelopeIsChecked(text: String, expected: String) {
        #expect(errors(text) == [expected])
    }

    @Test func yamlErrorsBecomeFileLevelSpecErrors() {
        let parsed = parse(Doc.vm("image: web\ncpus: 1\ncpus: 2"))
        #expect(
            parsed.errors == [
                SpecError(
                    file: specFile, line: 8, column: 3,
                    message: "duplicate key \"cpus\" (first at s.yaml:7:3); a key may appear once")
            ])
        #expect(
            parsed.errors[0].description
                == "s.yaml:8:3: duplicate key \"cpus\" (first at s.yaml:7:3); a key may appear once")
        #expect(parsed.objects.isEmpty)
    }

    @Test func capsFromTheCallerApply() {
        let parsed = DocumentParser.parse(path: "big.yaml", text: Doc.vm(), limits: YAMLLimits(maxFileBytes: 10))
        #expect(
            parsed.errors.map(\.description) == [
                "big.yaml:1:1: file is 86 bytes, over the limit of 10 bytes per spec file; split it into smaller files"
            ])
    }

    @Test func kilnAnnotationsAreReserved() throws {
        let mine =
            "apiVersion: kiln.dev/v1\nkind: VirtualMachine\nmetadata:\n  name: web\n  annotations: {example.com/owner: team}\nspec:\n  image: web\n"
        #expect(try object(mine).metadata.annotations == ["example.com/owner": "team"])
        let reserved =
            "apiVersion: kiln.dev/v1\nkind: VirtualMachine\nmetadata:\n  name: web\n  annotations: {kiln.dev/spec-hash: abc}\nspec:\n  image: web\n"
        #expect(
            errors(reserved) == [
                "s.yaml:5:37: metadata.annotations.kiln.dev/spec-hash: annotations under kiln.dev/ are reserved for Kiln"
            ])
    }

    @Test func scriptNamesAreUniqueWithinABuild() throws {
        let good = try object(
            Doc.build(
                "type: qemu\nsource: {scratch: true}\nscripts:\n  - {name: a, path: a.sh}\n  - {name: b, path: a.sh}"))
        #expect(good.imageBuild?.scripts.map(\.name) == ["a", "b"])
        #expect(
            errors(
                Doc.build(
                    "type: qemu\nsource: {scratch: true}\nscripts:\n  - {name: a, path: a.sh}\n  - {name: a, path: b.sh}"
                )) == [
                    #"s.yaml:10:14: spec.scripts[1].name: script name "a" is used twice (first at spec.scripts[0])"#
                ])
    }

    /// An object whose spec has errors is still declared, so that references to it are not reported as missing.
    @Test func invalidObjectsAreStillDeclared() {
        let parsed = parse(Doc.vm(name: "web-1", "image: web\ncpus: 0"))
        #expect(parsed.objects.isEmpty)
        #expect(parsed.declared.map(\.key) == [ObjectKey(.virtualMachine, "web-1")])
        #expect(parsed.declared.map { "\($0.file):\($0.line):\($0.column)" } == ["s.yaml:4:9"])
    }

    @Test func buildsRunTheirScriptsInPhaseOrder() throws {
        let build = try object(
            Doc.build(
                """
                type: qemu
                source: {scratch: true}
                bootScript: boot.sh
                scripts:
                  - {name: late, path: late.sh, phase: postProvision}
                  - {name: main, path: main.sh}
                  - {name: early, path: early.sh, phase: preProvision}
                  - {name: main2, path: main2.sh, phase: provision}
                conversionFormats: [vmdk, qcow2]
                """))
        #expect(build.imageBuild?.orderedScripts.map(\.name) == ["bootScript", "early", "main", "main2", "late"])
        #expect(build.imageBuild?.outputFormats == ["raw", "vmdk", "qcow2"])
    }
}
