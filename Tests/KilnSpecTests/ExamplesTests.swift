import Foundation
import KilnSpec
import KilnTestSupport
import Testing

/// The examples in `examples/` are valid, as a whole and file by file, and have what the README promises.
@Suite struct ExamplesTests {
    static let files = Repo.yamlFiles(under: "examples")

    @Test func thereAreExamples() {
        #expect(Self.files.contains("examples/quickstart/builds/busybox.yaml"))
        #expect(Self.files.contains("examples/catalog/mws-images.yaml"))
    }

    @Test(arguments: files)
    func everyExampleFileParsesWithoutErrors(file: String) async throws {
        let data = try #require(FileManager.default.contents(atPath: Repo.path(file)))
        let parsed = DocumentParser.parse(path: file, bytes: [UInt8](data))
        #expect(parsed.errors.map(\.description) == [])
        #expect(!parsed.objects.isEmpty)
    }

    /// As the README runs it: the quickstart folder as a subfolder of this repository.
    @Test func theQuickstartValidatesAsASubfolder() async throws {
        let out = try await ExternalTool.run(
            try ExternalTool.kiln(), ["validate", "--repo", Repo.root.path, "--path", "examples/quickstart"])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout == "valid: 3 objects (1 ImageBuild, 1 Image, 1 VirtualMachine)\n")
    }

    @Test func theQuickstartValidatesAsItsOwnRepository() async throws {
        let out = try await ExternalTool.run(
            try ExternalTool.kiln(), ["validate", "--repo", Repo.path("examples/quickstart")])
        #expect(out.status == 0, "\(out.stderr)")
    }

    @Test func theCatalogValidates() async throws {
        let out = try await ExternalTool.run(
            try ExternalTool.kiln(), ["validate", "--repo", Repo.path("examples/catalog"), "--format", "json"])
        #expect(out.status == 0, "\(out.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        #expect(json["valid"] as? Bool == true)
        let documents = try Repo.yamlFiles(under: "examples/catalog").map { file in
            DocumentParser.parse(
                path: file, bytes: [UInt8](try #require(FileManager.default.contents(atPath: Repo.path(file))))
            )
            .objects.count
        }
        #expect((json["objects"] as? [Any])?.count == documents.reduce(0, +))
    }

    /// The quickstart has what issue 2 asks for: a scratch build filled by scripts, qcow2 and vmdk, two results
    /// kept, an image from it and a VM using that image.
    @Test func theQuickstartHasABuildAnImageAndAVM() async throws {
        let folder = "examples/quickstart"
        let files = Repo.yamlFiles(under: folder)
        let parsed = try files.map { file in
            DocumentParser.parse(
                path: String(file.dropFirst(folder.count + 1)),
                bytes: [UInt8](try #require(FileManager.default.contents(atPath: Repo.path(file)))))
        }
        let scripts = Repo.files(under: "\(folder)/scripts").map { "scripts/\($0)" }
        let snapshot = try SnapshotAssembler.assemble(files: parsed, tree: FakeTree(files: scripts), revision: nil)
            .get()
        let build = try #require(snapshot.object(.imageBuild, "busybox")?.imageBuild)
        #expect(build.source == .scratch)
        #expect(build.conversionFormats == ["qcow2", "vmdk"])
        #expect(build.keepResults == 2)
        #expect(!build.scripts.isEmpty)
        #expect(snapshot.object(.image, "busybox")?.image?.source == .build("busybox", format: "qcow2"))
        #expect(snapshot.objects(of: .virtualMachine).first?.virtualMachine?.image == .named("busybox"))
    }

    /// The catalog mirrors the MWS examples: a linked clone with its template, and hypervisor images with the
    /// images they virtualise.
    @Test func theCatalogMirrorsTheMWSExamples() async throws {
        let data = try #require(FileManager.default.contents(atPath: Repo.path("examples/catalog/mws-images.yaml")))
        let images = DocumentParser.parse(path: "mws-images.yaml", bytes: [UInt8](data)).objects.compactMap(\.image)
        #expect(images.contains { $0.type == "linkedclone" && $0.templateName == "centos5-compute" })
        #expect(images.contains { $0.hypervisor && $0.hypervisorType == "ESX" && !$0.virtualizedImages.isEmpty })
    }
}
