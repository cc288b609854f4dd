import KilnSpec
import Testing

/// The rules each kind's schema declares: the MWS image rules, build and image sources, and the formatted fields
/// (names, IEC sizes, durations, checksums, repository paths, URLs) where they are used.
@Suite struct KindSchemasTests {
    static let build = "type: qemu\nsource: {scratch: true}\n"
    static let image = Doc.imageBody + "\n"

    // MARK: MWS image rules

    @Test func templateNameGoesWithLinkedClone() throws {
        let clone = try object(Doc.image(Self.image + "type: linkedclone\ntemplateName: centos5-compute"))
        #expect(clone.image?.templateName == "centos5-compute")
        #expect(
            errors(Doc.image(Self.image + "type: stateful\ntemplateName: centos5-compute")) == [
                "s.yaml:10:3: spec.templateName: is allowed only when type is linkedclone"
            ])
        // Without a type, the default (stateful) is not linkedclone either.
        #expect(
            errors(Doc.image(Self.image + "templateName: centos5-compute")) == [
                "s.yaml:9:3: spec.templateName: is allowed only when type is linkedclone"
            ])
    }

    @Test func hypervisorFieldsGoWithHypervisorTrue() throws {
        let hypervisor = try object(
            Doc.image(
                "osType: linux\nhypervisor: true\nhypervisorType: ESX\nsupportsPhysicalMachine: true\nvirtualizedImages: [centos5]"
            ))
        #expect(hypervisor.image?.hypervisorType == "ESX")
        #expect(hypervisor.image?.virtualizedImages == ["centos5"])
        #expect(
            errors(Doc.image(Self.image + "hypervisorType: ESX")) == [
                "s.yaml:9:3: spec.hypervisorType: is allowed only when hypervisor is true"
            ])
        #expect(
            errors(Doc.image(Self.image + "virtualizedImages: [centos5]")) == [
                "s.yaml:9:3: spec.virtualizedImages: is allowed only when hypervisor is true"
            ])
    }

    @Test(arguments: [
        "supportsPhysicalMachine: true", "supportsVirtualMachine: true",
        "supportsPhysicalMachine: true\nsupportsVirtualMachine: true",
        "supportsPhysicalMachine: false\nsupportsVirtualMachine: true"
    ])
    func oneOfThePlatformsSuffices(lines: String) throws {
        _ = try object(Doc.image("osType: linux\nhypervisor: false\n" + lines))
    }

    @Test(arguments: [
        "", "supportsPhysicalMachine: false", "supportsPhysicalMachine: false\nsupportsVirtualMachine: false"
    ])
    func atLeastOnePlatformMustBeTrue(lines: String) {
        #expect(
            errors(Doc.image("osType: linux\nhypervisor: false\n" + lines)) == [
                "s.yaml:6:3: spec: at least one of supportsPhysicalMachine, supportsVirtualMachine must be true"
            ])
    }

    // MARK: build sources

    @Test func aBuildSourceIsScratchAURLOrAPath() throws {
        let sha = "sha256:" + String(repeating: "a", count: 64)
        #expect(try object(Doc.build()).imageBuild?.source == .scratch)
        let url = try object(
            Doc.build("type: qemu\nsource:\n  url: https://example.com/rootfs.tar.gz\n  checksum: \(sha)"))
        #expect(url.imageBuild?.source == .url("https://example.com/rootfs.tar.gz", try Checksum.parse(sha).get()))
        let path = try object(Doc.build("type: qemu\nsource: {path: ./rootfs/base.tar}"))
        #expect(path.imageBuild?.source == .path("rootfs/base.tar", nil))
        #expect(path.imageBuild?.referencedPaths == ["rootfs/base.tar"])
    }

    @Test(arguments: [
        ("type: qemu\nsource: {}", "s.yaml:7:11: spec.source: set one of scratch, url, path, debian, image"),
        (
            "type: qemu\nsource:\n  scratch: true\n  path: rootfs.tar",
            "s.yaml:9:5: spec.source.path: set only one of scratch, url, path, debian, image (scratch and path are both set)"
        ),
        (
            "type: qemu\nsource:\n  url: https://example.com/rootfs.tar.gz",
            "s.yaml:8:5: spec.source.url: needs checksum too"
        ),
        (
            "type: qemu\nsource: {scratch: false}",
            "s.yaml:7:21: spec.source.scratch: may only be true; remove it to choose another option"
        ),
        (
            "type: qemu\nsource:\n  url: https://example.com/r.tgz\n  checksum: sha256:abc",
            "s.yaml:9:15: spec.source.checksum: sha256 checksum has 3 hex digits; sha256 has 64"
        ),
        (
            "type: qemu\nsource:\n  url: https://example.com/r.tgz\n  checksum: 0123456789abcdef0123456789abcdef",
            #"s.yaml:9:15: spec.source.checksum: "0123456789abcdef0123456789abcdef" is not a checksum: write algo:hex, for example sha256:<64 hex digits>"#
        )
    ])
    func badBuildSourcesAreRefused(body: String, expected: String) {
        #expect(errors(Doc.build(body)) == [expected])
    }

    // MARK: image sources

    @Test func anImageSourceIsABuildAURLOrASnapshot() throws {
        let sha = "sha512:" + String(repeating: "b", count: 128)
        #expect(
            try object(Doc.image(Self.image + "source: {build: web, format: vmdk}")).image?.source
                == .build("web", format: "vmdk"))
        #expect(
            try object(Doc.image(Self.image + "source: {build: web}")).image?.source == .build("web", format: "qcow2"))
        #expect(
            try object(Doc.image(Self.image + "source: {url: 'https://example.com/d.qcow2', checksum: '\(sha)'}"))
                .image?.source
                == .url("https://example.com/d.qcow2", try Checksum.parse(sha).get()))
        #expect(try object(Doc.image(Self.image + "source: {snapshotOf: web-1}")).image?.source == .snapshotOf("web-1"))
        #expect(try object(Doc.image()).image?.source == nil)
    }

    @Test(arguments: [
        ("source: {}", "s.yaml:9:11: spec.source: set one of build, url, snapshotOf"),
        (
            "source: {build: web, snapshotOf: vm}",
            "s.yaml:9:24: spec.source.snapshotOf: set only one of build, url, snapshotOf (build and snapshotOf are both set)"
        ),
        ("source: {snapshotOf: vm, format: raw}", "s.yaml:9:28: spec.source.format: needs build too"),
        (
            "source: {build: web, checksum: 'md5:\(String(repeating: "0", count: 32))'}",
            "s.yaml:9:24: spec.source.checksum: needs url too"
        ),
        ("source: {url: 'https://example.com/d.qcow2'}", "s.yaml:9:12: spec.source.url: needs checksum too")
    ])
    func badImageSourcesAreRefused(lines: String, expected: String) {
        #expect(errors(Doc.image(Self.image + lines)) == [expected])
    }

    // MARK: names

    @Test(arguments: [
        ("-web", #"s.yaml:4:9: metadata.name: "-web" must start with a letter or digit"#),
        (
            "'web server'",
            #"s.yaml:4:9: metadata.name: "web server" may contain only letters, digits, '.', '-' and '_'"#
        ),
        ("web/1", #"s.yaml:4:9: metadata.name: "web/1" may contain only letters, digits, '.', '-' and '_'"#),
        ("''", "s.yaml:4:9: metadata.name: a name must not be empty"),
        (
            String(repeating: "n", count: 64),
            "s.yaml:4:9: metadata.name: \"\(String(repeating: "n", count: 64))\" is 64 characters long; a name has at most 63"
        )
    ])
    func objectNamesFollowTheMWSRule(name: String, expected: String) {
        #expect(errors(Doc.vm(name: name)) == [expected])
    }

    @Test(arguments: [
        "web", "Web.1_b-2", "0", "sles-11-sp1-hvm-v1.00.x86_64", String(repeating: "n", count: 63), "on", "1e3"
    ])
    func goodObjectNamesAreTakenAsWritten(name: String) throws {
        #expect(try object(Doc.vm(name: name)).name == name)
    }

    @Test(arguments: [
        (
            Kind.imageBuild, build + "buildOutputName: web/out",
            #"s.yaml:8:20: spec.buildOutputName: "web/out" may contain only letters, digits, '.', '-' and '_'"#
        ),
        (
            .imageBuild, build + "scripts: [{name: 'a b', path: a.sh}]",
            #"s.yaml:8:20: spec.scripts[0].name: "a b" may contain only letters, digits, '.', '-' and '_'"#
        ),
        (
            .image, image + "source: {build: .web}",
            #"s.yaml:9:19: spec.source.build: ".web" must start with a letter or digit"#
        ),
        (
            .image, image + "source: {snapshotOf: _vm}",
            #"s.yaml:9:24: spec.source.snapshotOf: "_vm" must start with a letter or digit"#
        ),
        (
            .image, "osType: linux\nhypervisor: true\nsupportsPhysicalMachine: true\nvirtualizedImages: [ok, 'not ok']",
            #"s.yaml:9:27: spec.virtualizedImages[1]: "not ok" may contain only letters, digits, '.', '-' and '_'"#
        ),
        (
            .virtualMachine, "image: a:b",
            #"s.yaml:6:10: spec.image: "a:b" may contain only letters, digits, '.', '-' and '_'"#
        )
    ])
    func namesInsideSpecsFollowTheSameRule(kind: Kind, body: String, expected: String) {
        #expect(errors(Doc.document(kind, body)) == [expected])
    }

    // MARK: sizes

    @Test(arguments: ["1gib", "1024mib", "1048576kib", "1GiB", "1024MiB"])
    func memoryInIECUnitsIsNormalised(memory: String) throws {
        let vm = try object(Doc.vm("image: web\nmemory: \(memory)"))
        #expect(vm.spec["memory"] == .string("1gib"))
        #expect(vm.virtualMachine?.memory == IECSize(bytes: 1 << 30))
    }

    @Test(arguments: [
        (
            Doc.vm("image: web\nmemory: 1gb"),
            #"s.yaml:7:11: spec.memory: "1gb" is not an IEC size: gb is ambiguous (10ⁿ or 2ⁿ bytes); write 1gib (use 1gib, 1024mib, 1048576kib …)"#
        ),
        (
            Doc.vm("image: web\nmemory: 1024"),
            #"s.yaml:7:11: spec.memory: "1024" is not an IEC size (use 1gib, 1024mib, 1048576kib …)"#
        ),
        (Doc.vm("image: web\nmemory: 8mib"), "s.yaml:7:11: spec.memory: 8mib is below the minimum of 16mib"),
        (Doc.vm("image: web\nmemory: 2tib"), "s.yaml:7:11: spec.memory: 2tib is above the maximum of 1tib"),
        (
            Doc.build(build + "disk: {size: 2GB}"),
            #"s.yaml:8:16: spec.disk.size: "2GB" is not an IEC size: gb is ambiguous (10ⁿ or 2ⁿ bytes); write 2gib (use 1gib, 1024mib, 1048576kib …)"#
        ),
        (Doc.build(build + "disk: {size: 4mib}"), "s.yaml:8:16: spec.disk.size: 4mib is below the minimum of 8mib"),
        (Doc.build(build + "disk: {size: 3tib}"), "s.yaml:8:16: spec.disk.size: 3tib is above the maximum of 2tib")
    ])
    func sizesOutsideIECUnitsOrBoundsAreRefused(text: String, expected: String) {
        #expect(errors(text) == [expected])
    }

    @Test func sizesAtTheBoundsAreAccepted() throws {
        #expect(try object(Doc.vm("image: web\nmemory: 16mib")).spec["memory"] == .string("16mib"))
        #expect(try object(Doc.vm("image: web\nmemory: 1tib")).spec["memory"] == .string("1tib"))
        #expect(try object(Doc.build(Self.build + "disk: {size: 8192kib}")).spec["disk"]?["size"] == .string("8mib"))
        #expect(try object(Doc.build(Self.build + "disk: {size: 2tib}")).spec["disk"]?["size"] == .string("2tib"))
    }

    // MARK: durations

    @Test func durationsAreNormalised() throws {
        let build = try object(Doc.build(Self.build + "scripts: [{name: a, path: a.sh, timeout: 90s}]"))
        #expect(build.spec["scripts"]?.list?.first?["timeout"] == .string("1m30s"))
        #expect(build.imageBuild?.scripts.first?.timeout == SpecDuration(seconds: 90))
        #expect(
            try object(Doc.vm("image: web\ntoolsInitTimeout: 2m")).virtualMachine?.toolsInitTimeout
                == SpecDuration(seconds: 120))
    }

    @Test(arguments: [
        (
            Doc.vm("image: web\ntoolsInitTimeout: 30"),
            #"s.yaml:7:21: spec.toolsInitTimeout: "30" is not a duration (write 30s, 10m, 1h30m or 500ms)"#
        ),
        (
            Doc.build(build + "scripts: [{name: a, path: a.sh, timeout: 10 minutes}]"),
            #"s.yaml:8:44: spec.scripts[0].timeout: "10 minutes" is not a duration (write 30s, 10m, 1h30m or 500ms)"#
        )
    ])
    func malformedDurationsAreRefused(text: String, expected: String) {
        #expect(errors(text) == [expected])
    }

    // MARK: repository paths

    @Test func scriptPathsAreNormalisedRelativeToTheSpecRoot() throws {
        let build = try object(
            Doc.build(
                Self.build
                    + "bootScript: ./boot.sh\npreseedScript: cfg/./preseed.cfg\nscripts: [{name: a, path: ./scripts/a.sh}]"
            ))
        #expect(build.imageBuild?.bootScript == "boot.sh")
        #expect(build.imageBuild?.preseedScript == "cfg/preseed.cfg")
        #expect(build.imageBuild?.scripts.map(\.path) == ["scripts/a.sh"])
        #expect(build.imageBuild?.referencedPaths == ["boot.sh", "cfg/preseed.cfg", "scripts/a.sh"])
    }

    @Test(arguments: [
        (
            build + "scripts: [{name: a, path: ../a.sh}]",
            #"s.yaml:8:29: spec.scripts[0].path: "../a.sh" leaves the spec root (..); name a file inside it"#
        ),
        (
            build + "bootScript: /etc/rc.local",
            #"s.yaml:8:15: spec.bootScript: "/etc/rc.local" is absolute; write a path relative to the spec root"#
        ),
        (
            build + #"preseedScript: 'cfg\preseed.cfg'"#,
            #"s.yaml:8:18: spec.preseedScript: "cfg\\preseed.cfg" contains a backslash; use / between folders"#
        ),
        (
            "type: qemu\nsource: {path: .git/objects/pack}",
            #"s.yaml:7:18: spec.source.path: ".git/objects/pack" points into .git"#
        )
    ])
    func pathsLeavingTheSpecRootAreRefused(body: String, expected: String) {
        #expect(errors(Doc.build(body)) == [expected])
    }

    // MARK: URLs

    @Test(arguments: [
        (
            Doc.build(
                "type: qemu\nsource: {url: 'file:///srv/rootfs.tar', checksum: 'md5:\(String(repeating: "0", count: 32))'}"
            ),
            #"s.yaml:7:17: spec.source.url: URL scheme "file" is not allowed; use http or https"#
        ),
        (
            Doc.image(
                image
                    + "source: {url: 'http://169.254.169.254/disk', checksum: 'md5:\(String(repeating: "0", count: 32))'}"
            ),
            "s.yaml:9:17: spec.source.url: address 169.254.169.254 is link-local (169.254.0.0/16, where cloud metadata lives)"
        ),
        (
            Doc.vm("image: web\ncallbackUrl: http://[fe80::1]:9000/ready"),
            "s.yaml:7:16: spec.callbackUrl: address is IPv6 link-local (fe80::/10)"
        ),
        (
            Doc.vm("image: {url: 'http://metadata.google.internal/d', checksum: abc, checksumType: md5}"),
            "s.yaml:6:16: spec.image.url: host metadata.google.internal is a cloud metadata service; Kiln never fetches from it"
        ),
        (
            Doc.vm("image: web\ncallbackUrl: https://user:pass@example.com/"),
            "s.yaml:7:16: spec.callbackUrl: a URL must not carry credentials (user:password@); they would be stored in git"
        )
    ])
    func urlFieldsAreCheckedAsUntrusted(text: String, expected: String) {
        #expect(errors(text) == [expected])
    }

    // MARK: checksums of VM images

    @Test(arguments: [("md5", 32), ("sha1", 40), ("sha256", 64), ("sha512", 128)])
    func aVMImageChecksumHasTheLengthOfItsType(type: String, length: Int) {
        func vm(_ digits: Int) -> String {
            Doc.vm(
                "image:\n  url: https://example.com/d.img\n  checksum: \(String(repeating: "c", count: digits))\n  checksumType: \(type)"
            )
        }
        #expect(errors(vm(length)).isEmpty)
        #expect(
            errors(vm(length * 2)) == [
                "s.yaml:8:15: spec.image.checksum: \(type) checksum has \(length * 2) hex digits; \(type) has \(length)"
            ])
    }

    @Test func aVMImageChecksumIsHexDigits() {
        #expect(
            errors(Doc.vm("image:\n  url: https://example.com/d.img\n  checksum: xyz\n  checksumType: md5")) == [
                "s.yaml:8:15: spec.image.checksum: a checksum must be hex digits"
            ])
    }
}
