import KilnSpec
import Testing

/// What no single file can check: names unique per kind across files, references between objects, and the files
/// that builds name.
@Suite struct SnapshotAssemblerTests {
    static let image = Doc.imageBody + "\n"

    static let repository: [String: String] = [
        "builds/web.yaml": Doc.build(
            "type: qemu\nsource: {scratch: true}\nconversionFormats: [qcow2]\nscripts: [{name: a, path: scripts/a.sh}]"),
        "images/web.yaml": Doc.image(image + "source: {build: web, format: qcow2}"),
        "vms/web.yaml": Doc.vm(name: "web-1", "image: web")
    ]
    static let tree = FakeTree(files: ["scripts/a.sh"])

    @Test func aConsistentRepositoryAssembles() throws {
        let snapshot = try assemble(Self.repository, tree: Self.tree).get()
        #expect(
            snapshot.sortedObjects.map(\.key.description) == ["ImageBuild/web", "Image/web", "VirtualMachine/web-1"])
        #expect(snapshot.fileDigests == ["scripts/a.sh": "digest-of-scripts/a.sh"])
        let build = try #require(snapshot.object(.imageBuild, "web"))
        // A build's inputs include the content of the files it reads.
        var changed = Self.tree
        changed.entries["scripts/a.sh"] = TreeEntry(type: .file, digest: "another digest")
        let other = try assemble(Self.repository, tree: changed).get()
        #expect(other.buildInputsHash(build) != snapshot.buildInputsHash(build))
    }

    // MARK: names

    @Test func namesAreUniquePerKindAcrossFiles() {
        let files = ["a.yaml": Doc.build(), "b.yaml": Doc.build()]
        #expect(
            assemblyErrors(files, tree: Self.tree) == [
                #"b.yaml:4:9: metadata.name: ImageBuild "web" is defined twice (first at a.yaml:4:9); names are unique per kind"#
            ])
    }

    @Test func namesAreUniqueWithinOneFileToo() {
        let files = ["all.yaml": Doc.vm() + "---\n" + Doc.vm("image: web\ncpus: 2")]
        #expect(
            assemblyErrors(files) == [
                #"all.yaml:6:10: spec.image: no Image named "web" in the repository"#,
                #"all.yaml:11:9: metadata.name: VirtualMachine "web" is defined twice (first at all.yaml:4:9); names are unique per kind"#
            ])
    }

    /// The clash is reported even when the second definition has errors of its own.
    @Test func anInvalidDuplicateIsStillAClash() {
        let files = ["a.yaml": Doc.vm(), "b.yaml": Doc.vm("image: web\ncpus: 0")]
        #expect(
            assemblyErrors(files) == [
                #"a.yaml:6:10: spec.image: no Image named "web" in the repository"#,
                #"b.yaml:4:9: metadata.name: VirtualMachine "web" is defined twice (first at a.yaml:4:9); names are unique per kind"#,
                "b.yaml:7:9: spec.cpus: 0 is below the minimum of 1"
            ])
    }

    @Test func theSameNameInDifferentKindsIsFine() {
        #expect(
            assemblyErrors(Self.repository.merging(["vms/web.yaml": Doc.vm(name: "web")]) { $1 }, tree: Self.tree)
                .isEmpty)
    }

    // MARK: references

    @Test func anImageBuildSourceNamesAnImageBuild() {
        var files = Self.repository
        files["images/web.yaml"] = Doc.image(Self.image + "source: {build: wbe, format: qcow2}")
        #expect(
            assemblyErrors(files, tree: Self.tree) == [
                #"images/web.yaml:9:19: spec.source.build: no ImageBuild named "wbe" in the repository (did you mean "web"?)"#
            ])
    }

    @Test func anImageTakesAFormatItsBuildProduces() {
        var files = Self.repository
        files["images/web.yaml"] = Doc.image(Self.image + "source: {build: web, format: raw}")
        #expect(assemblyErrors(files, tree: Self.tree).isEmpty, "raw is always produced")
        files["images/web.yaml"] = Doc.image(Self.image + "source: {build: web, format: vmdk}")
        #expect(
            assemblyErrors(files, tree: Self.tree) == [
                "images/web.yaml:9:32: spec.source.format: ImageBuild \"web\" does not produce vmdk (it makes raw, qcow2); add it to its conversionFormats"
            ])
    }

    /// Without a format the image takes qcow2; when the build does not make it, the error points at the source.
    @Test func theDefaultFormatMustBeProducedToo() {
        var files = Self.repository
        files["builds/web.yaml"] = Doc.build("type: qemu\nsource: {scratch: true}\nconversionFormats: [vmdk]")
        files["images/web.yaml"] = Doc.image(Self.image + "source: {build: web}")
        #expect(
            assemblyErrors(files) == [
                "images/web.yaml:9:19: spec.source.format: ImageBuild \"web\" does not produce qcow2 (it makes raw, vmdk); add it to its conversionFormats"
            ])
    }

    @Test func aVirtualMachineImageNamesAnImage() {
        var files = Self.repository
        files["vms/web.yaml"] = Doc.vm(name: "web-1", "image: debian")
        #expect(
            assemblyErrors(files, tree: Self.tree) == [
                #"vms/web.yaml:6:10: spec.image: no Image named "debian" in the repository"#
            ])
        files["vms/web.yaml"] = Doc.vm(
            name: "web-1",
            "image: {url: 'https://example.com/d.img', checksum: '\(String(repeating: "a", count: 32))', checksumType: md5}"
        )
        #expect(assemblyErrors(files, tree: Self.tree).isEmpty, "an external image names no Image")
    }

    @Test func virtualizedImagesNameOtherImages() {
        let hypervisor = "osType: linux\nhypervisor: true\nsupportsPhysicalMachine: true\nvirtualizedImages: "
        var files = Self.repository
        files["images/esx.yaml"] = Doc.image(name: "esx", hypervisor + "[web]")
        #expect(assemblyErrors(files, tree: Self.tree).isEmpty)
        files["images/esx.yaml"] = Doc.image(name: "esx", hypervisor + "[web, centos5, esx]")
        #expect(
            assemblyErrors(files, tree: Self.tree) == [
                #"images/esx.yaml:9:28: spec.virtualizedImages[1]: no Image named "centos5" in the repository"#,
                "images/esx.yaml:9:37: spec.virtualizedImages[2]: an image cannot list itself in virtualizedImages"
            ])
    }

    @Test func aSnapshotNamesAVirtualMachineThatRunsAnotherImage() {
        var files = Self.repository
        files["images/snap.yaml"] = Doc.image(name: "snap", Self.image + "source: {snapshotOf: web-1}")
        #expect(assemblyErrors(files, tree: Self.tree).isEmpty)
        files["images/snap.yaml"] = Doc.image(name: "snap", Self.image + "source: {snapshotOf: web-2}")
        #expect(
            assemblyErrors(files, tree: Self.tree) == [
                #"images/snap.yaml:9:24: spec.source.snapshotOf: no VirtualMachine named "web-2" in the repository (did you mean "web-1"?)"#
            ])
        files["images/snap.yaml"] = nil
        files["images/web.yaml"] = Doc.image(Self.image + "source: {snapshotOf: web-1}")
        #expect(
            assemblyErrors(files, tree: Self.tree) == [
                #"images/web.yaml:9:24: spec.source.snapshotOf: Image "web" would be a snapshot of VirtualMachine "web-1", which runs this same image: a cycle"#
            ])
    }

    /// A reference to an object whose own spec is invalid is not also reported as a reference to nothing.
    @Test func aReferenceToAnInvalidObjectIsNotMissing() {
        var files = Self.repository
        files["builds/web.yaml"] = Doc.build(
            "type: qemu\nsource: {scratch: true}\nconversionFormats: [qcow2]\nkeepResults: -1")
        #expect(assemblyErrors(files) == ["builds/web.yaml:9:16: spec.keepResults: -1 is below the minimum of 0"])
    }

    /// When a file cannot be read at all, its objects are unknown: missing references are not guessed at.
    @Test func anUnreadableFileSilencesMissingReferences() {
        var files = Self.repository
        files["builds/web.yaml"] = "apiVersion: kiln.dev/v1\nkind: ImageBuild\nkind: ImageBuild\n"
        #expect(
            assemblyErrors(files) == [
                #"builds/web.yaml:3:1: duplicate key "kind" (first at builds/web.yaml:2:1); a key may appear once"#
            ])
    }

    // MARK: referenced files

    static let buildReadingFiles = Doc.build(
        """
        type: qemu
        source: {path: rootfs.tar}
        bootScript: boot.sh
        preseedScript: preseed.cfg
        scripts:
          - {name: a, path: scripts/a.sh}
          - {name: b, path: scripts/b.sh}
        """)

    @Test func referencedFilesAreRegularFilesOfTheTree() throws {
        let tree = FakeTree(
            files: ["rootfs.tar", "boot.sh", "preseed.cfg", "scripts/a.sh"], ["scripts/b.sh": .executable])
        let snapshot = try assemble(["b.yaml": Self.buildReadingFiles], tree: tree).get()
        #expect(
            snapshot.fileDigests.keys.sorted() == [
                "boot.sh", "preseed.cfg", "rootfs.tar", "scripts/a.sh", "scripts/b.sh"
            ])
        #expect(snapshot.fileDigests["scripts/b.sh"] == "")
    }

    @Test func symlinksFoldersSubmodulesAndMissingFilesAreRefused() {
        let tree = FakeTree(
            files: ["rootfs.tar"], ["boot.sh": .symlink, "preseed.cfg": .directory, "scripts/a.sh": .submodule])
        #expect(
            assemblyErrors(["b.yaml": Self.buildReadingFiles], tree: tree) == [
                "b.yaml:8:15: spec.bootScript: boot.sh is a symlink; Kiln never follows symlinks in a spec repository",
                "b.yaml:9:18: spec.preseedScript: preseed.cfg is a folder, not a file",
                "b.yaml:11:23: spec.scripts[0].path: scripts/a.sh is in a submodule; Kiln never reads submodules",
                "b.yaml:12:23: spec.scripts[1].path: no file scripts/b.sh under the spec root (paths are relative to the spec root)"
            ])
    }

    // MARK: every error

    @Test func everyErrorOfEveryFileIsReportedSortedAndOnce() {
        let files = [
            "z.yaml": Doc.vm("image: nothing"),
            "a.yaml": Doc.vm(name: "a", "image: web\nmemory: 1gb") + "---\n"
                + Doc.image("osType: linux\nhypervisor: false")
        ]
        let extra = SpecError(file: "m.yaml", line: 1, column: 1, message: "is a symlink")
        let parsed = files.keys.sorted().map { DocumentParser.parse(path: $0, text: files[$0]!) }
        guard
            case .failure(let failure) = SnapshotAssembler.assemble(
                files: parsed, tree: FakeTree(), revision: nil,
                extraErrors: [extra, extra])
        else {
            Issue.record("expected a failure")
            return
        }
        #expect(
            failure.errors.map(\.description) == [
                #"a.yaml:7:11: spec.memory: "1gb" is not an IEC size: gb is ambiguous (10ⁿ or 2ⁿ bytes); write 1gib (use 1gib, 1024mib, 1048576kib …)"#,
                "a.yaml:14:3: spec: at least one of supportsPhysicalMachine, supportsVirtualMachine must be true",
                "m.yaml:1:1: is a symlink",
                #"z.yaml:6:10: spec.image: no Image named "nothing" in the repository"#
            ])
    }
}
