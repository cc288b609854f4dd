import KilnSpec
import Testing

/// The ImageBuild fields of bootable images: Debian sources, layered builds, disk.boot, kernelCommandLine, verify.
@Suite struct BootableSpecTests {
    static let debian = "type: qemu\nsource: {debian: {suite: bookworm, packages: [linux-image-amd64, openssh-server]}}"

    @Test func aDebianSourceReadsWithItsDefaults() throws {
        let spec = try #require(
            try object(Doc.build(Self.debian + "\ndisk: {size: 2gib, boot: hybrid, kernelCommandLine: quiet}"))
                .imageBuild)
        #expect(
            spec.source
                == .debian(
                    ImageBuildSpec.DebianSource(
                        suite: "bookworm", variant: "apt", components: ["main"],
                        packages: ["linux-image-amd64", "openssh-server"])))
        #expect(spec.diskBoot == .hybrid)
        #expect(spec.kernelCommandLine == "quiet")
        #expect(spec.verifyBoot)
        #expect(spec.provisioner == .chroot)
        #expect(spec.sshTimeout == SpecDuration(seconds: 300))
        #expect(!spec.verifyReproducible)
    }

    @Test func bootDefaultsFromTheRootFilesystem() throws {
        let spec = try #require(try object(Doc.build()).imageBuild)
        #expect(spec.diskBoot == nil)
        #expect(spec.resolvedBoot(hasKernel: true) == .hybrid)
        #expect(spec.resolvedBoot(hasKernel: false) == DiskBoot.none)
        let bios = try #require(
            try object(Doc.build("type: qemu\nsource: {scratch: true}\ndisk: {boot: bios}")).imageBuild)
        #expect(bios.resolvedBoot(hasKernel: false) == .bios)
    }

    @Test(arguments: [
        ("nginx;rm", "\";\" is not allowed"),
        ("$(reboot)", "\"$\" is not allowed"),
        ("Nginx", "\"N\" is not allowed"),
        ("-x", "must start with a lower-case letter or a digit"),
        ("a", "too short"),
        ("a b", "\" \" is not allowed")
    ])
    func packageNamesFollowDebiansGrammar(name: String, message: String) {
        let body = "type: qemu\nsource: {debian: {suite: bookworm, packages: ['\(name)']}}"
        let found = errors(Doc.build(body))
        #expect(found.count == 1)
        #expect(found.first?.contains("spec.source.debian.packages[0]") == true, "\(found)")
        #expect(found.first?.contains(message) == true, "\(found)")
    }

    @Test func aSuiteMustBeADebianName() {
        let found = errors(Doc.build("type: qemu\nsource: {debian: {suite: 'book worm'}}"))
        #expect(found.count == 1)
        #expect(found.first?.contains("spec.source.debian.suite") == true, "\(found)")
    }

    @Test func kernelCommandLineIsPrintableAndShort() {
        let control = errors(
            Doc.build("type: qemu\nsource: {scratch: true}\ndisk: {kernelCommandLine: \"quiet\\u0007 init=/x\"}"))
        #expect(control.count == 1)
        #expect(control.first?.contains("spec.disk.kernelCommandLine") == true, "\(control)")
        #expect(control.first?.contains("U+7") == true, "\(control)")
        let newline = errors(Doc.build("type: qemu\nsource: {scratch: true}\ndisk: {kernelCommandLine: \"a\\nb\"}"))
        #expect(newline.first?.contains("not printable ASCII") == true, "\(newline)")
        let long = errors(
            Doc.build(
                "type: qemu\nsource: {scratch: true}\ndisk: {kernelCommandLine: \(String(repeating: "a", count: 1025))}"
            ))
        #expect(long.first?.contains("at most 1024") == true, "\(long)")
    }

    @Test func oneSourceOnly() {
        let found = errors(Doc.build("type: qemu\nsource: {scratch: true, image: base}"))
        #expect(found.count == 1, "\(found)")
    }

    @Test func aLayeredBuildNamesAnImageThatExists() {
        let files = ["b.yaml": Doc.build(name: "web", "type: qemu\nsource: {image: debian-bas}")]
        let found = assemblyErrors(files)
        #expect(found.count == 1)
        #expect(found.first?.contains("spec.source.image: no Image named \"debian-bas\"") == true, "\(found)")
    }

    @Test func aCycleOfBasesIsRefusedNamingTheChain() {
        let image = Doc.imageBody + "\n"
        let files = [
            "a.yaml": Doc.build(name: "a", "type: qemu\nsource: {image: b-img}"),
            "b.yaml": Doc.build(name: "b", "type: qemu\nsource: {image: a-img}"),
            "ia.yaml": Doc.image(name: "a-img", image + "source: {build: a, format: raw}"),
            "ib.yaml": Doc.image(name: "b-img", image + "source: {build: b, format: raw}")
        ]
        let found = assemblyErrors(files)
        #expect(found.count == 2, "\(found)")
        #expect(
            found.contains {
                $0.contains(
                    "layered builds form a cycle: ImageBuild a → Image b-img → ImageBuild b → Image a-img → ImageBuild a"
                )
            }, "\(found)")
    }

    @Test func aChainWithoutCycleIsFine() {
        let image = Doc.imageBody + "\n"
        let files = [
            "a.yaml": Doc.build(name: "a", "type: qemu\nsource: {debian: {suite: bookworm}}"),
            "b.yaml": Doc.build(name: "b", "type: qemu\nsource: {image: a-img}"),
            "c.yaml": Doc.build(name: "c", "type: qemu\nsource: {image: b-img}"),
            "ia.yaml": Doc.image(name: "a-img", image + "source: {build: a, format: raw}"),
            "ib.yaml": Doc.image(name: "b-img", image + "source: {build: b, format: raw}")
        ]
        #expect(assemblyErrors(files) == [])
    }
}
