import KilnSpec
import Testing

/// The generic rules the schema-driven validator applies to every field: unknown fields, types, required fields,
/// enums, ranges, unique lists, the YAML 1.1 surprise, defaults, and reporting every error. Checked through
/// ``DocumentParser`` so that each bad case asserts exactly what `kiln validate` prints.
@Suite struct SchemaValidatorTests {
    // MARK: unknown fields

    @Test(arguments: [
        (Doc.vm("image: web\nmemroy: 1gib"), #"s.yaml:7:3: spec.memroy: unknown field (did you mean "memory"?)"#),
        (
            Doc.vm("image: web\nready: {line: X}"),
            "s.yaml:7:11: spec.ready.line: unknown field (known fields: consoleContains)"
        ),
        (Doc.build("type: qemu\nsource: {scratch: true}\nbanana: 1"), "s.yaml:8:3: spec.banana: unknown field"),
        (
            Doc.build(
                "type: qemu\nsource: {scratch: true}\nscripts:\n  - name: a\n    path: a.sh\n    phse: provision"),
            #"s.yaml:11:7: spec.scripts[0].phse: unknown field (did you mean "phase"?)"#
        ),
        (
            Doc.image(Doc.imageBody + "\nvirtualisedImages: []"),
            #"s.yaml:9:3: spec.virtualisedImages: unknown field (did you mean "virtualizedImages"?)"#
        ),
        (
            Doc.image(Doc.imageBody + "\nOSType: linux"),
            #"s.yaml:9:3: spec.OSType: unknown field (did you mean "osType"?)"#
        ),
        (
            Doc.build("type: qemu\nsource: {scratch: true, sha256: x}"),
            "s.yaml:7:27: spec.source.sha256: unknown field (known fields: scratch, url, path, checksum, debian, image)"
        )
    ])
    func unknownFieldsAreErrorsWithAHint(text: String, expected: String) {
        #expect(errors(text) == [expected])
    }

    @Test func anUnknownTopLevelFieldAlsoLeavesItsIntendedFieldMissing() {
        let text = "apiVersion: kiln.dev/v1\nkind: VirtualMachine\nmetdata:\n  name: web\nspec:\n  image: web\n"
        #expect(
            errors(text) == [
                #"s.yaml:3:1: metdata: unknown field (did you mean "metadata"?)"#,
                "s.yaml:1:1: metadata: missing required field"
            ])
    }

    // MARK: types

    @Test(arguments: [
        (Doc.vm("image: web\ncpus: two"), #"s.yaml:7:9: spec.cpus: "two" is not an integer"#),
        (Doc.vm("image: web\ncpus: \"2\""), #"s.yaml:7:9: spec.cpus: must be an integer, not the quoted string "2""#),
        (Doc.vm("image: web\ncpus: [2]"), "s.yaml:7:9: spec.cpus: must be an integer, not a list"),
        (Doc.vm("image: web\ncpus: 2.0"), #"s.yaml:7:9: spec.cpus: "2.0" is not an integer"#),
        (Doc.vm("image: web\ncpus: 0x2"), #"s.yaml:7:9: spec.cpus: "0x2" is not an integer"#),
        (
            Doc.vm("image: web\ncpus: !!str 2"),
            "s.yaml:7:9: spec.cpus: is tagged tag:yaml.org,2002:str but must be an integer"
        ),
        (
            Doc.vm("image: web\nlaunchGui: \"true\""),
            #"s.yaml:7:14: spec.launchGui: must be true or false, not the quoted string "true""#
        ),
        (Doc.vm("image: web\nlaunchGui: maybe"), #"s.yaml:7:14: spec.launchGui: must be true or false, not "maybe""#),
        (Doc.vm("image: web\nlaunchGui: 1"), #"s.yaml:7:14: spec.launchGui: must be true or false, not "1""#),
        (
            Doc.vm("image: web\nlaunchGui: !!str true"),
            "s.yaml:7:14: spec.launchGui: is tagged tag:yaml.org,2002:str but must be true or false"
        ),
        (Doc.vm("image: web\nready: yes"), "s.yaml:7:10: spec.ready: must be a mapping, not a scalar"),
        (
            Doc.image(Doc.imageBody + "\ndescription: [a, b]"),
            "s.yaml:9:16: spec.description: must be a string, not a list"
        ),
        (
            Doc.image(Doc.imageBody + "\ndescription: {a: 1}"),
            "s.yaml:9:16: spec.description: must be a string, not a mapping"
        ),
        (
            Doc.image(Doc.imageBody + "\ndescription: ~"),
            "s.yaml:9:16: spec.description: must be a string, not null (remove the key to leave it unset)"
        ),
        (
            Doc.image(Doc.imageBody + "\ndescription:"),
            "s.yaml:9:15: spec.description: must be a string, not null (remove the key to leave it unset)"
        ),
        (
            Doc.image(Doc.imageBody + "\ndescription: !!int 5"),
            "s.yaml:9:16: spec.description: is tagged tag:yaml.org,2002:int but must be a string"
        ),
        (Doc.image(Doc.imageBody + "\nfeatures: gpu"), "s.yaml:9:13: spec.features: must be a list, not a scalar"),
        (
            Doc.image(Doc.imageBody + "\nextensions: [xcat]"),
            "s.yaml:9:15: spec.extensions: must be a mapping, not a list"
        ),
        (
            "apiVersion: kiln.dev/v1\nkind: VirtualMachine\nmetadata:\n  name: web\n  labels: [a]\nspec:\n  image: web\n",
            "s.yaml:5:11: metadata.labels: must be a mapping, not a list"
        ),
        (
            "apiVersion: kiln.dev/v1\nkind: VirtualMachine\nmetadata:\n  name: web\n  labels: {team: [a]}\nspec:\n  image: web\n",
            "s.yaml:5:18: metadata.labels.team: must be a string, not a list"
        ),
        (
            "apiVersion: kiln.dev/v1\nkind: VirtualMachine\nmetadata:\n  name: web\nspec: [image]\n",
            "s.yaml:5:7: spec: must be a mapping, not a list"
        )
    ])
    func wrongTypesAreRefused(text: String, expected: String) {
        #expect(errors(text) == [expected])
    }

    @Test func plainScalarsAreReadAsWrittenWhereAStringIsWanted() throws {
        let vm = try object(Doc.vm("image: 2024\nready: {consoleContains: 1.10}"))
        #expect(vm.spec["image"] == .string("2024"))
        #expect(vm.spec["ready"]?["consoleContains"] == .string("1.10"))
        let image = try object(Doc.image(Doc.imageBody + "\nowner: 013907871322\ndescription: 0x1F"))
        #expect(image.spec["owner"] == .string("013907871322"))
        #expect(image.spec["description"] == .string("0x1F"))
    }

    // MARK: required fields

    @Test(arguments: [
        (
            "apiVersion: kiln.dev/v1\nkind: Image\nmetadata:\n  name: web\n",
            ["s.yaml:1:1: spec: missing required field"]
        ),
        (
            "apiVersion: kiln.dev/v1\nkind: Image\nmetadata:\n  labels: {a: b}\nspec:\n  osType: linux\n  hypervisor: false\n  supportsVirtualMachine: true\n",
            [#"s.yaml:4:3: metadata: missing required field "name""#]
        ),
        (
            Doc.image("supportsVirtualMachine: true"),
            [
                #"s.yaml:6:3: spec: missing required field "osType""#,
                #"s.yaml:6:3: spec: missing required field "hypervisor""#
            ]
        ),
        (
            Doc.build("description: x"),
            [#"s.yaml:6:3: spec: missing required field "type""#, #"s.yaml:6:3: spec: missing required field "source""#]
        ),
        (Doc.vm("{}"), [#"s.yaml:6:3: spec: missing required field "image""#]),
        (
            Doc.build("type: qemu\nsource: {scratch: true}\nscripts: [{name: a}]"),
            [#"s.yaml:8:13: spec.scripts[0]: missing required field "path""#]
        )
    ])
    func missingRequiredFieldsAreNamed(text: String, expected: [String]) {
        #expect(errors(text) == expected)
    }

    // MARK: enums

    /// An enum field in a document: `%v` stands for the value.
    struct EnumCase: Sendable, CustomTestStringConvertible {
        var field: String
        var kind: Kind
        var body: String
        var values: [String]
        var bad: String
        var expected: String
        var testDescription: String { field }

        func document(_ value: String) -> String {
            Doc.document(kind, body.replacingOccurrences(of: "%v", with: value))
        }
    }

    static let build = "type: qemu\nsource: {scratch: true}\n"
    static let image = Doc.imageBody + "\n"

    static let enums: [EnumCase] = [
        EnumCase(
            field: "scripts[].phase", kind: .imageBuild,
            body: build + "scripts:\n  - name: a\n    path: a.sh\n    phase: %v",
            values: ["preProvision", "provision", "postProvision"], bad: "provison",
            expected:
                #"s.yaml:11:14: spec.scripts[0].phase: "provison" is not one of preProvision, provision, postProvision (did you mean "provision"?)"#
        ),
        EnumCase(
            field: "scripts[].type", kind: .imageBuild,
            body: build + "scripts:\n  - name: a\n    path: a.sh\n    type: %v",
            values: ["sh", "bash"], bad: "zsh",
            expected: #"s.yaml:11:13: spec.scripts[0].type: "zsh" is not one of sh, bash (did you mean "sh"?)"#),
        EnumCase(
            field: "conversionFormats", kind: .imageBuild, body: build + "conversionFormats:\n  - %v",
            values: KindSchemas.conversionFormats, bad: "qcow3",
            expected:
                #"s.yaml:9:7: spec.conversionFormats[0]: "qcow3" is not one of qcow2, vmdk, vhd, vhdx, raw, ovf (did you mean "qcow2"?)"#
        ),
        EnumCase(
            field: "compress", kind: .imageBuild, body: build + "compress: %v",
            values: ["none", "gzip", "zstd"], bad: "gz",
            expected: #"s.yaml:8:13: spec.compress: "gz" is not one of none, gzip, zstd"#),
        EnumCase(
            field: "run.policy", kind: .imageBuild, body: build + "run:\n  policy: %v",
            values: ["onChange", "manual"], bad: "onchange",
            expected:
                #"s.yaml:9:13: spec.run.policy: "onchange" is not one of onChange, manual (did you mean "onChange"?)"#),
        EnumCase(
            field: "disk.filesystem", kind: .imageBuild, body: build + "disk:\n  filesystem: %v",
            values: ["ext4"], bad: "xfs",
            expected: #"s.yaml:9:17: spec.disk.filesystem: "xfs" is not one of ext4"#),
        EnumCase(
            field: "type (builder)", kind: .imageBuild, body: "type: %v\nsource: {scratch: true}",
            values: ["qemu"], bad: "vmware",
            expected: #"s.yaml:6:9: spec.type: "vmware" is not one of qemu"#),
        EnumCase(
            field: "architecture", kind: .image, body: image + "architecture: %v",
            values: ["x86_64", "i386", "aarch64"], bad: "amd64",
            expected: #"s.yaml:9:17: spec.architecture: "amd64" is not one of x86_64, i386, aarch64"#),
        EnumCase(
            field: "type (image)", kind: .image, body: image + "type: %v",
            values: ["stateful", "stateless", "linkedclone"], bad: "linked-clone",
            expected:
                #"s.yaml:9:9: spec.type: "linked-clone" is not one of stateful, stateless, linkedclone (did you mean "linkedclone"?)"#
        ),
        EnumCase(
            field: "source.format", kind: .image, body: image + "source:\n  build: b\n  format: %v",
            values: KindSchemas.conversionFormats, bad: "qcow",
            expected:
                #"s.yaml:11:13: spec.source.format: "qcow" is not one of qcow2, vmdk, vhd, vhdx, raw, ovf (did you mean "qcow2"?)"#
        ),
        EnumCase(
            field: "networkType", kind: .virtualMachine, body: "image: web\nnetworkType: %v",
            values: ["nat", "bridged", "hostonly"], bad: "bridge",
            expected:
                #"s.yaml:7:16: spec.networkType: "bridge" is not one of nat, bridged, hostonly (did you mean "bridged"?)"#
        ),
        EnumCase(
            field: "powerState", kind: .virtualMachine, body: "image: web\npowerState: %v",
            values: ["running", "stopped"], bad: "on",
            expected: #"s.yaml:7:15: spec.powerState: "on" is not one of running, stopped"#)
    ]

    @Test(arguments: enums)
    func everyEnumValueIsAcceptedAndOthersRefused(field: EnumCase) throws {
        for value in field.values {
            let object = try object(field.document(value))
            #expect(object.spec.canonicalJSON.contains(quoted(value)))
        }
        #expect(errors(field.document(field.bad)) == [field.expected])
    }

    @Test(arguments: [("md5", 32), ("sha1", 40), ("sha256", 64), ("sha512", 128)])
    func everyChecksumTypeIsAccepted(type: String, length: Int) throws {
        let vm = try object(
            Doc.vm(
                "image:\n  url: https://example.com/d.img\n  checksum: \(String(repeating: "a", count: length))\n  checksumType: \(type)"
            ))
        #expect(vm.spec["image"]?["checksumType"] == .string(type))
    }

    @Test func aPrefixedChecksumNeedsNoChecksumTypeAndABareOneDoes() throws {
        let sum = "sha256:" + String(repeating: "A", count: 64)
        let vm = try object(Doc.vm("image:\n  url: https://example.com/d.img\n  checksum: \(sum)"))
        #expect(vm.spec["image"]?["checksum"] == .string(sum.lowercased()))
        #expect(
            VirtualMachineSpec(vm.spec).image
                == .url(
                    "https://example.com/d.img", Checksum(algorithm: .sha256, hex: String(repeating: "a", count: 64))))
        _ = try object(Doc.vm("image:\n  url: https://example.com/d.img\n  checksum: \(sum)\n  checksumType: sha256"))
        #expect(
            errors(Doc.vm("image:\n  url: https://example.com/d.img\n  checksum: \(sum)\n  checksumType: sha1")) == [
                "s.yaml:9:19: spec.image.checksumType: checksumType sha1 conflicts with the checksum's sha256: prefix; give one of them"
            ])
        #expect(
            errors(Doc.vm("image: {url: https://example.com/d.img, checksum: abc}")) == [
                #"s.yaml:6:10: spec.image: missing required field "checksumType": a bare hex checksum needs one (md5, sha1, sha256 or sha512); or write checksum: sha256:HEX"#
            ])
        #expect(
            errors(Doc.vm("image: {url: https://example.com/d.img, checksum: 'sha256:abc'}")) == [
                "s.yaml:6:53: spec.image.checksum: sha256 checksum has 3 hex digits; sha256 has 64"
            ])
    }

    @Test func anUnknownChecksumTypeIsRefused() {
        let text = Doc.vm(
            "image:\n  url: https://example.com/d.img\n  checksum: \(String(repeating: "a", count: 96))\n  checksumType: sha384"
        )
        #expect(
            errors(text) == [#"s.yaml:9:19: spec.image.checksumType: "sha384" is not one of md5, sha1, sha256, sha512"#]
        )
    }

    // MARK: ranges and unique lists

    @Test(arguments: [
        (Doc.vm("image: web\ncpus: 0"), "s.yaml:7:9: spec.cpus: 0 is below the minimum of 1"),
        (Doc.vm("image: web\ncpus: 65"), "s.yaml:7:9: spec.cpus: 65 is above the maximum of 64"),
        (
            Doc.vm("image: web\ncpus: 99999999999999999999"),
            #"s.yaml:7:9: spec.cpus: "99999999999999999999" is not an integer"#
        ),
        (Doc.build(build + "keepResults: -1"), "s.yaml:8:16: spec.keepResults: -1 is below the minimum of 0"),
        (Doc.build(build + "keepResults: 10001"), "s.yaml:8:16: spec.keepResults: 10001 is above the maximum of 10000")
    ])
    func integersOutsideTheirRangeAreRefused(text: String, expected: String) {
        #expect(errors(text) == [expected])
    }

    @Test func integersAtTheBoundsAreAccepted() throws {
        #expect(try object(Doc.vm("image: web\ncpus: 1")).spec["cpus"] == .int(1))
        #expect(try object(Doc.vm("image: web\ncpus: +64")).spec["cpus"] == .int(64))
        #expect(try object(Doc.build(Self.build + "keepResults: 0")).spec["keepResults"] == .int(0))
        #expect(try object(Doc.build(Self.build + "keepResults: 10000")).spec["keepResults"] == .int(10_000))
    }

    @Test(arguments: [
        (
            Doc.build(build + "conversionFormats: [qcow2, vmdk, qcow2]"),
            #"s.yaml:8:36: spec.conversionFormats[2]: duplicate entry "qcow2""#
        ),
        (Doc.image(image + "features: [gpu, gpu]"), #"s.yaml:9:19: spec.features[1]: duplicate entry "gpu""#),
        (
            Doc.image("osType: linux\nhypervisor: true\nsupportsPhysicalMachine: true\nvirtualizedImages: [a, b, a]"),
            #"s.yaml:9:29: spec.virtualizedImages[2]: duplicate entry "a""#
        )
    ])
    func listsOfUniqueValuesRefuseDuplicates(text: String, expected: String) {
        #expect(errors(text) == [expected])
    }

    // MARK: the YAML 1.1 surprise

    /// Where a string is wanted, a plain `on`, `yes`, `no`, `off` is the word as written.
    @Test(arguments: ["on", "yes", "no", "off", "y", "n", "ON", "Yes"])
    func yaml11WordsStayStringsInStringFields(word: String) throws {
        let image = try object(Doc.image(Self.image + "description: \(word)\nowner: \(word)"))
        #expect(image.spec["description"] == .string(word))
        #expect(image.spec["owner"] == .string(word))
        let build = try object(Doc.build(Self.build + "run: {token: \(word)}\nsshUsername: \(word)"))
        #expect(build.spec["run"]?["token"] == .string(word))
        #expect(build.spec["sshUsername"] == .string(word))
        let labelled = try object(
            "apiVersion: kiln.dev/v1\nkind: VirtualMachine\nmetadata:\n  name: web\n  labels: {enabled: \(word)}\nspec:\n  image: web\n"
        )
        #expect(labelled.metadata.labels["enabled"] == word)
    }

    /// Where a boolean is wanted, the same words are errors that say why, rather than silently true or false.
    @Test(arguments: [
        (
            Doc.build(build + "isCloudInit: yes"),
            #"s.yaml:8:16: spec.isCloudInit: "yes" is a YAML 1.1 boolean that Kiln does not guess at; write true or false"#
        ),
        (
            Doc.build(build + "suspend: off"),
            #"s.yaml:8:12: spec.suspend: "off" is a YAML 1.1 boolean that Kiln does not guess at; write true or false"#
        ),
        (
            Doc.build("type: qemu\nsource: {scratch: on}"),
            #"s.yaml:7:21: spec.source.scratch: "on" is a YAML 1.1 boolean that Kiln does not guess at; write true or false"#
        ),
        (
            Doc.image("osType: linux\nhypervisor: no\nsupportsVirtualMachine: true"),
            #"s.yaml:7:15: spec.hypervisor: "no" is a YAML 1.1 boolean that Kiln does not guess at; write true or false"#
        ),
        (
            Doc.vm("image: web\nlaunchGui: ON"),
            #"s.yaml:7:14: spec.launchGui: "ON" is a YAML 1.1 boolean that Kiln does not guess at; write true or false"#
        ),
        (
            Doc.build(build + "scripts: [{name: a, path: a.sh, network: y}]"),
            #"s.yaml:8:44: spec.scripts[0].network: "y" is a YAML 1.1 boolean that Kiln does not guess at; write true or false"#
        ),
        (
            Doc.vm("image: web\nlaunchGui: 'on'"),
            #"s.yaml:7:14: spec.launchGui: must be true or false, not the quoted string "on""#
        )
    ])
    func yaml11WordsAreErrorsInBooleanFields(text: String, expected: String) {
        #expect(errors(text) == [expected])
    }

    @Test(arguments: [
        ("true", true), ("True", true), ("TRUE", true), ("false", false), ("False", false), ("FALSE", false)
    ])
    func yaml12BooleansAreAccepted(word: String, value: Bool) throws {
        #expect(try object(Doc.vm("image: web\nlaunchGui: \(word)")).spec["launchGui"] == .bool(value))
    }

    /// Free-form fields (Morpheus config, MWS extensions) are read with YAML 1.2's core schema.
    @Test func freeformFieldsUseTheYAML12CoreSchema() throws {
        let build = try object(
            Doc.build(
                Self.build
                    + "config: {a: on, b: true, c: 12, d: \"12\", e: 1.5, f: ~, g: [x, 0o17], h: 0x10, i: -3, j: {k: no}}"
            ))
        #expect(
            build.spec["config"]
                == .object([
                    "a": .string("on"), "b": .bool(true), "c": .int(12), "d": .string("12"), "e": .double(1.5),
                    "f": .null,
                    "g": .list([.string("x"), .int(15)]), "h": .int(16), "i": .int(-3),
                    "j": .object(["k": .string("no")])
                ]))
    }

    // MARK: defaults

    @Test func omittedFieldsGetTheirDefaults() throws {
        let vm = try object(Doc.vm())
        #expect(
            vm.spec
                == .object([
                    "image": .string("web"), "cpus": .int(1), "memory": .string("512mib"),
                    "networkType": .string("nat"),
                    "launchGui": .bool(false), "powerState": .string("running"), "toolsInitTimeout": .string("0s"),
                    "suspend": .bool(false)
                ]))
        let build = try object(Doc.build(Self.build + "disk: {size: 2gib}\nscripts: [{name: a, path: a.sh}]"))
        #expect(
            build.spec["disk"]
                == .object(["size": .string("2gib"), "filesystem": .string("ext4"), "label": .string("kiln-root")]))
        #expect(
            build.spec["scripts"]
                == .list([
                    .object([
                        "name": .string("a"), "path": .string("a.sh"), "phase": .string("provision"),
                        "type": .string("sh"),
                        "timeout": .string("10m"), "network": .bool(false)
                    ])
                ]))
        #expect(build.spec["run"] == .object(["policy": .string("onChange"), "verifyReproducible": .bool(false)]))
        #expect(build.spec["conversionFormats"] == .list([]))
    }

    // MARK: every error

    @Test func everyErrorOfADocumentIsReportedInOrder() {
        let text = Doc.vm(
            "image: -web\ncpus: 0\nmemory: 1gb\nnetworkType: wifi\nlaunchGui: yes\ncallbackUrl: file:///x\nmemroy: 1")
        #expect(
            errors(text) == [
                #"s.yaml:6:10: spec.image: "-web" must start with a letter or digit"#,
                "s.yaml:7:9: spec.cpus: 0 is below the minimum of 1",
                #"s.yaml:8:11: spec.memory: "1gb" is not an IEC size: gb is ambiguous (10ⁿ or 2ⁿ bytes); write 1gib (use 1gib, 1024mib, 1048576kib …)"#,
                #"s.yaml:9:16: spec.networkType: "wifi" is not one of nat, bridged, hostonly"#,
                #"s.yaml:10:14: spec.launchGui: "yes" is a YAML 1.1 boolean that Kiln does not guess at; write true or false"#,
                #"s.yaml:11:16: spec.callbackUrl: URL scheme "file" is not allowed; use http or https"#,
                #"s.yaml:12:3: spec.memroy: unknown field (did you mean "memory"?)"#
            ])
    }

    @Test func errorsOfEveryDocumentOfAFileAreReported() {
        let text = Doc.vm(name: "a", "image: web\ncpus: 0") + "---\n" + Doc.vm(name: "b", "image: web\nmemory: 1gb")
        let parsed = parse(text)
        #expect(
            parsed.errors.map(\.description) == [
                "s.yaml:7:9: spec.cpus: 0 is below the minimum of 1",
                #"s.yaml:15:11: spec.memory: "1gb" is not an IEC size: gb is ambiguous (10ⁿ or 2ⁿ bytes); write 1gib (use 1gib, 1024mib, 1048576kib …)"#
            ])
        #expect(parsed.objects.isEmpty)
        #expect(parsed.declared.map(\.key.name) == ["a", "b"])
    }
}
