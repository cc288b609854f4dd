import Foundation
import KilnSpec
import KilnTestSupport
import Testing

@testable import KilnBuilder

/// Every output format and both compressions, read back with the tools a consumer would use.
@Suite struct FormatTests {
    @Test(arguments: [("zstd", ".zst", "zstd -d -q -c"), ("gzip", ".gz", "gzip -d -c")])
    func everyFormatCompressedAndVerified(compression: String, suffix: String, decompress: String) async throws {
        let bed = try TestBed("formats-\(compression)")
        defer { bed.remove() }
        let spec = Specs.unchecked(formats: ["qcow2", "vmdk", "vhd", "vhdx", "ovf", "raw"], compress: compression)
        let seen = ProgressLog()
        let images = try await hostBuilder().build(bed.request(spec)) { seen.append($0) }
        let name = bed.buildName + "-1"
        #expect(images.map(\.format) == ["raw", "qcow2", "vmdk", "vhd", "vhdx", "ovf"])
        #expect(
            images.map { FilePaths.lastComponent($0.path) } == [
                "\(name).raw\(suffix)", "\(name).qcow2\(suffix)", "\(name).vmdk\(suffix)", "\(name).vhd\(suffix)",
                "\(name).vhdx\(suffix)", "\(name).ova"
            ])
        for image in images where image.format != "ovf" {
            #expect(image.compression == compression)
            let plain = "\(bed.root)/plain.\(image.format)"
            try Shell.check("\(decompress) \(Shell.quoted(image.path)) > \(Shell.quoted(plain))")
            let qemuFormat = image.format == "vhd" ? "vpc" : image.format
            let info = try #require(
                QemuImageInfo.parse(
                    try Shell.check("qemu-img info --output=json -f \(qemuFormat) \(Shell.quoted(plain))")))
            #expect(info.virtualSize == 16 << 20, "\(image.format)")
            #expect(info.backingFilename == nil)
            try FileManager.default.removeItem(atPath: plain)
        }
        #expect(seen.all.map(\.statusMessage).contains("Compressing: qcow2"))
        #expect(!seen.all.map(\.statusMessage).contains("Compressing: ovf"))

        let ova = try #require(images.first { $0.format == "ovf" })
        #expect(ova.compression == "none")
        #expect(try Shell.check("tar tf \(Shell.quoted(ova.path))") == "\(name).ovf\n\(name).mf\n\(name)-disk1.vmdk\n")
        let unpacked = bed.root + "/ova"
        try FileManager.default.createDirectory(atPath: unpacked, withIntermediateDirectories: true)
        try Shell.check("tar xf \(Shell.quoted(ova.path)) -C \(Shell.quoted(unpacked))")
        let manifest = try String(contentsOfFile: "\(unpacked)/\(name).mf", encoding: .utf8)
        for file in ["\(name).ovf", "\(name)-disk1.vmdk"] {
            let sum = try Shell.check("sha256sum \(Shell.quoted("\(unpacked)/\(file)"))").prefix(64)
            #expect(manifest.contains("SHA256(\(file))= \(sum)\n"))
        }
        let vmdk = try #require(
            QemuImageInfo.parse(
                try Shell.check("qemu-img info --output=json -f vmdk \(Shell.quoted("\(unpacked)/\(name)-disk1.vmdk"))")
            ))
        #expect(vmdk.formatSpecific?.data?.createType == "streamOptimized")
        #expect(vmdk.virtualSize == 16 << 20)
        try Shell.python("import sys, xml.etree.ElementTree as e; e.parse(sys.argv[1])", ["\(unpacked)/\(name).ovf"])
        let ovf = try String(contentsOfFile: "\(unpacked)/\(name).ovf", encoding: .utf8)
        let vmdkSize = try FileManager.default.attributesOfItem(atPath: "\(unpacked)/\(name)-disk1.vmdk")[.size] as? Int
        #expect(ovf.contains("ovf:href=\"\(name)-disk1.vmdk\" ovf:id=\"file1\" ovf:size=\"\(vmdkSize ?? -1)\""))
        #expect(ovf.contains("ovf:capacity=\"16777216\""))
    }

    @Test func unknownFormatIsRefusedBeforeAnyWork() async throws {
        let bed = try TestBed("unknown-format")
        defer { bed.remove() }
        let error = await buildFailure(bed.request(Specs.unchecked(formats: ["qcow3"])))
        #expect(error == .unsupported("conversion format qcow3 is not supported; use raw, qcow2, vmdk, vhd, vhdx, ovf"))
        #expect(bed.nothingLeftBehind)
    }

    @Test func rootFilesystemLargerThanTheDiskFails() async throws {
        let bed = try TestBed("too-small")
        defer { bed.remove() }
        let files = MemoryFiles(["scripts/fill.sh": "head -c 12000000 /dev/urandom > \"$KILN_ROOTFS/blob\"\n"])
        let spec = Specs.unchecked(scripts: [Specs.script("fill")], size: "8mib")
        let error = await buildFailure(bed.request(spec, files: files))
        guard case .toolFailed(let tool, let status, _)? = error else {
            Issue.record("expected mkfs.ext4 to fail, got \(String(describing: error))")
            return
        }
        #expect(tool == "mkfs.ext4")
        #expect(status.contains("raise disk.size"), "\(status)")
        #expect(bed.nothingLeftBehind)
    }

    @Test func toolVersionsNameEachTool() async throws {
        let versions = try await hostBuilder().toolVersions()
        #expect(versions["qemu-img"]?.hasPrefix("qemu-img version") == true)
        #expect(versions["mkfs.ext4"]?.hasPrefix("mke2fs") == true)
        #expect(versions["bwrap"]?.hasPrefix("bubblewrap") == true)
    }

    @Test func missingToolNamesItsDebianPackage() async throws {
        let bed = try TestBed("no-tools")
        defer { bed.remove() }
        do {
            _ = try await QemuImageBuilder(searchPath: "/nonexistent").build(bed.request(Specs.unchecked())) { _ in }
            Issue.record("a build without tools must fail")
        } catch {
            #expect(error == .toolMissing(tool: "qemu-img", debianPackage: "qemu-utils", searchPath: "/nonexistent"))
            #expect(error.description.contains("apt-get install qemu-utils"))
        }
        #expect(bed.nothingLeftBehind)
    }

    @Test func foreignWorkFolderIsRefusedAndKept() async throws {
        let bed = try TestBed("busy-work")
        defer { bed.remove() }
        try FileManager.default.createDirectory(atPath: bed.workDirectory, withIntermediateDirectories: true)
        try "someone else's".write(toFile: bed.workDirectory + "/notes", atomically: true, encoding: .utf8)
        let error = await buildFailure(bed.request(Specs.unchecked()))
        guard case .fileSystem(let operation, let path, _)? = error else {
            Issue.record("expected the work folder to be refused, got \(String(describing: error))")
            return
        }
        #expect(operation == "using as work folder" && path == bed.workDirectory)
        #expect(FileManager.default.fileExists(atPath: bed.workDirectory + "/notes"))
        #expect(!FileManager.default.fileExists(atPath: bed.artifactDirectory))
    }

    @Test func existingArtifactIsNeverOverwritten() async throws {
        let bed = try TestBed("republish")
        defer { bed.remove() }
        try FileManager.default.createDirectory(atPath: bed.artifactDirectory, withIntermediateDirectories: true)
        try "keep me".write(
            toFile: "\(bed.artifactDirectory)/\(bed.buildName)-1.qcow2", atomically: true, encoding: .utf8)
        let error = await buildFailure(bed.request(Specs.unchecked(formats: ["qcow2"])))
        guard case .fileSystem(let operation, _, _)? = error else {
            Issue.record("expected a publish failure, got \(String(describing: error))")
            return
        }
        #expect(operation == "publishing")
        let left = try FileManager.default.contentsOfDirectory(atPath: bed.artifactDirectory)
        #expect(left == ["\(bed.buildName)-1.qcow2"])
        #expect(
            try String(contentsOfFile: "\(bed.artifactDirectory)/\(bed.buildName)-1.qcow2", encoding: .utf8)
                == "keep me")
        #expect(!FileManager.default.fileExists(atPath: bed.workDirectory))
    }
}
