import Foundation
import KilnSpec
import Testing

@testable import KilnBuilder

/// Importing disks that did not come out of Kiln's pipeline: each hostile shape is refused, naming the file, before
/// qemu-img opens more than its header; good images and packages end as a Kiln-owned qcow2.
@Suite("Image import and safe inspection")
struct ImageImportTests {
    /// A temp folder with helpers to make disks and packages with Debian's qemu-img and tar.
    final class Bed {
        let root: String
        init() throws {
            root =
                FileManager.default.temporaryDirectory.appendingPathComponent("kiln-import-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: root + "/www", withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(atPath: root) }

        var www: String { root + "/www" }
        var importer: ImageImporter { ImageImporter(cacheDirectory: root + "/cache") }
        func path(_ name: String) -> String { "\(root)/\(name)" }

        /// A small bootable-looking raw disk (an MBR with boot code) converted to `format`.
        @discardableResult
        func disk(_ name: String, format: String = "qcow2", size: String = "16M", options: String = "") throws -> String
        {
            let raw = path(name + ".src.raw")
            try Shell.check(
                "truncate -s \(size) \(Shell.quoted(raw)) && printf '\\364\\353\\375' | dd of=\(Shell.quoted(raw)) conv=notrunc status=none && printf '\\125\\252' | dd of=\(Shell.quoted(raw)) bs=1 seek=510 conv=notrunc status=none"
            )
            try Shell.check(
                "qemu-img convert -q -f raw -O \(format) \(options) \(Shell.quoted(raw)) \(Shell.quoted(path(name)))")
            return path(name)
        }

        /// A tar (`z`: gzipped) of files in the bed's root, at `www/<name>`.
        @discardableResult
        func tar(_ name: String, _ files: [String], gzip: Bool = false) throws -> String {
            try Shell.check(
                "tar -C \(Shell.quoted(root)) -c\(gzip ? "z" : "")f \(Shell.quoted(www + "/" + name)) "
                    + files.map(Shell.quoted).joined(separator: " "))
            return www + "/" + name
        }

        func findAndConvert(_ package: String) async throws -> ImageImporter.Imported {
            let work = path("work-\(UUID().uuidString)")
            let (disk, shown) = try await importer.findDisk(
                package, name: (package as NSString).lastPathComponent, work: work)
            return try await importer.inspectAndConvert(disk, shownAs: shown, to: path("out.qcow2"))
        }
    }

    static func refusal(_ error: any Error) -> String {
        (error as? ImageImportError).map { $0.isTerminal ? "\($0)" : "NOT TERMINAL: \($0)" } ?? "\(error)"
    }

    @Test("a tar.gz holding one qcow2 becomes a Kiln-owned qcow2 with its boot type")
    func package() async throws {
        let bed = try Bed()
        try bed.disk("disk.qcow2")
        let imported = try await bed.findAndConvert(try bed.tar("image.tar.gz", ["disk.qcow2"], gzip: true))
        #expect(imported.sourceFormat == .qcow2)
        #expect(imported.boot == .bios)
        #expect(imported.foundAs == "image.tar.gz: disk.qcow2")
        let info = try Shell.check("qemu-img info --output=json -f qcow2 \(Shell.quoted(imported.path))")
        #expect(info.contains("\"format\": \"qcow2\"") && !info.contains("backing"))
        #expect(
            imported.sha256 == Digest.sha256Hex(try Data(contentsOf: URL(fileURLWithPath: imported.path)).map { $0 }))
    }

    /// The VM builder service's other package shapes, made with Python's tarfile and zipfile (no zip tool needed).
    @Test(
        "a plain tar, a tar.bz2 and a zip holding one qcow2 become a Kiln-owned qcow2",
        arguments: [
            ("image.tar", "tarfile.open(out, 'w')"), ("image.tar.bz2", "tarfile.open(out, 'w:bz2')"),
            ("image.zip", "zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED)")
        ])
    func otherPackages(_ row: (String, String)) async throws {
        let bed = try Bed()
        let disk = try bed.disk("disk.qcow2")
        let package = bed.www + "/" + row.0
        let add = row.0.hasSuffix(".zip") ? "p.write(disk, 'disk.qcow2')" : "p.add(disk, 'disk.qcow2')"
        try Shell.check(
            "python3 -c \(Shell.quoted("import sys, tarfile, zipfile\ndisk, out = sys.argv[1:3]\nwith \(row.1) as p: \(add)")) \(Shell.quoted(disk)) \(Shell.quoted(package))"
        )
        let imported = try await bed.findAndConvert(package)
        #expect(imported.sourceFormat == .qcow2)
        #expect(imported.foundAs == "\(row.0): disk.qcow2")
        let info = try Shell.check("qemu-img info --output=json -f qcow2 \(Shell.quoted(imported.path))")
        #expect(info.contains("\"format\": \"qcow2\"") && !info.contains("backing"))
    }

    @Test(
        "a vmdk, a vhd and a vhdx are accepted and converted",
        arguments: [("vmdk", "vmdk", ""), ("vhd", "vpc", ""), ("vhdx", "vhdx", "")])
    func formats(_ row: (String, String, String)) async throws {
        let bed = try Bed()
        let disk = try bed.disk("disk.\(row.0)", format: row.1, options: row.2)
        let imported = try await bed.findAndConvert(disk)
        #expect(imported.sourceFormat.rawValue == row.0)
    }

    @Test("a qcow2 with a backing file to /etc/shadow is refused before qemu-img opens it")
    func backingFile() async throws {
        let bed = try Bed()
        try Shell.check(
            "qemu-img create -q -f qcow2 -F raw -b /etc/shadow -u \(Shell.quoted(bed.path("evil.qcow2"))) 16M")
        await #expect { try await bed.findAndConvert(bed.path("evil.qcow2")) } throws: { error in
            Self.refusal(error).contains("evil.qcow2 is refused: it names a backing file (/etc/shadow)")
        }
    }

    @Test("a qcow2 with an external data file is refused")
    func dataFile() async throws {
        let bed = try Bed()
        try Shell.check(
            "qemu-img create -q -f qcow2 -o data_file=\(Shell.quoted(bed.path("data.raw"))) \(Shell.quoted(bed.path("split.qcow2"))) 16M"
        )
        await #expect { try await bed.findAndConvert(bed.path("split.qcow2")) } throws: { error in
            Self.refusal(error).contains("split.qcow2 is refused: it keeps its data in an external data file")
        }
    }

    @Test("a VMDK descriptor with a flat extent pointing at /etc/passwd is refused without being opened")
    func flatExtent() async throws {
        let bed = try Bed()
        let descriptor =
            "# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType=\"monolithicFlat\"\n\nRW 2048 FLAT \"/etc/passwd\" 0\n"
        try descriptor.write(toFile: bed.path("flat.vmdk"), atomically: true, encoding: .utf8)
        await #expect { try await bed.findAndConvert(bed.path("flat.vmdk")) } throws: { error in
            Self.refusal(error).contains(
                "flat.vmdk is refused: it is a VMDK descriptor, which names its data in separate extent files")
        }
    }

    @Test("a tar with two disks, and one with none, are refused naming what they hold")
    func diskCount() async throws {
        let bed = try Bed()
        try bed.disk("a.qcow2")
        try bed.disk("b.vmdk", format: "vmdk")
        await #expect { try await bed.findAndConvert(try bed.tar("two.tar", ["a.qcow2", "b.vmdk"])) } throws: { error in
            Self.refusal(error)
                == "two.tar holds 2 disk images (a.qcow2, b.vmdk); an image package must hold exactly one"
        }
        try "just text\n".write(toFile: bed.path("README"), atomically: true, encoding: .utf8)
        await #expect { try await bed.findAndConvert(try bed.tar("none.tar", ["README"])) } throws: { error in
            Self.refusal(error).hasPrefix("none.tar holds no disk image") && Self.refusal(error).contains("README (")
        }
    }

    @Test("an OVA whose OVF references ../x is refused; a well-formed OVA's disk is imported")
    func ova() async throws {
        let bed = try Bed()
        try bed.disk("disk1.vmdk", format: "vmdk", options: "-o subformat=streamOptimized")
        func ovf(_ href: String) -> String {
            """
            <?xml version="1.0"?>
            <Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1">
              <References><File ovf:href="\(href)" ovf:id="file1"/></References>
            </Envelope>
            """
        }
        try ovf("../x").write(toFile: bed.path("evil.ovf"), atomically: true, encoding: .utf8)
        try bed.tar("evil.ova", ["evil.ovf", "disk1.vmdk"])
        await #expect { try await bed.findAndConvert(bed.www + "/evil.ova") } throws: { error in
            Self.refusal(error).contains("evil.ovf references files outside the archive: ../x (outside the archive)")
        }
        try ovf("disk1.vmdk").write(toFile: bed.path("good.ovf"), atomically: true, encoding: .utf8)
        try bed.tar("good.ova", ["good.ovf", "disk1.vmdk"])
        let imported = try await bed.findAndConvert(bed.www + "/good.ova")
        #expect(imported.sourceFormat == .vmdk)
    }

    @Test("a virtual size over the cap is refused")
    func sizeCap() async throws {
        let bed = try Bed()
        try Shell.check("qemu-img create -q -f qcow2 \(Shell.quoted(bed.path("big.qcow2"))) 2G")
        var importer = bed.importer
        importer.limits.maxVirtualSize = 1 << 30
        let work = bed.path("work")
        let (disk, shown) = try await importer.findDisk(bed.path("big.qcow2"), name: "big.qcow2", work: work)
        await #expect {
            try await importer.inspectAndConvert(disk, shownAs: shown, to: bed.path("out.qcow2"))
        } throws: { error in
            Self.refusal(error).contains("over the cap of 1.0gib (--max-image-size)")
        }
    }

    @Test("a disk whose content differs from what its name says is refused")
    func formatMismatch() async throws {
        let bed = try Bed()
        let vmdk = try bed.disk("real.vmdk", format: "vmdk")
        try FileManager.default.moveItem(atPath: vmdk, toPath: bed.path("claims.qcow2"))
        await #expect { try await bed.findAndConvert(bed.path("claims.qcow2")) } throws: { error in
            Self.refusal(error).contains("it is a vmdk image by content, not the qcow2 its name says")
        }
    }

    @Test("over HTTP: a wrong checksum is refused and nothing is kept; the right one imports")
    func url() async throws {
        let bed = try Bed()
        try bed.disk("disk.qcow2")
        let package = try bed.tar("image.tar.gz", ["disk.qcow2"], gzip: true)
        let sum = Digest.sha256Hex(Array(try Data(contentsOf: URL(fileURLWithPath: package))))
        let server = try await TestHTTPServer(folder: bed.www)
        defer { server.stop() }
        let wrong = Checksum(algorithm: .sha256, hex: String(repeating: "0", count: 64))
        await #expect {
            _ = try await bed.importer.importURL(
                server.url("/image.tar.gz"), checksum: wrong, to: bed.path("out.qcow2"), work: bed.path("w1"))
        } throws: { error in
            Self.refusal(error).contains("does not match its checksum")
        }
        #expect(!FileManager.default.fileExists(atPath: bed.path("out.qcow2")))
        let imported = try await bed.importer.importURL(
            server.url("/image.tar.gz"), checksum: Checksum(algorithm: .sha256, hex: sum),
            to: bed.path("out.qcow2"), work: bed.path("w2"))
        #expect(imported.boot == .bios)
        #expect(!FileManager.default.fileExists(atPath: bed.path("w2")), "scratch space is emptied")
    }
    @Test(
        "a snapshot flattens a VM's overlay with its base: what the guest wrote and what the base held, no backing file"
    )
    func flatten() async throws {
        let bed = try Bed()
        let base = try bed.disk("base.qcow2")
        let overlay = bed.path("disk.qcow2")
        try Shell.check("qemu-img create -q -f qcow2 -F qcow2 -b \(Shell.quoted(base)) \(Shell.quoted(overlay))")
        // What the guest wrote: a pattern at 1 MiB, in the overlay only.
        try Shell.check("qemu-io -f qcow2 -c 'write -P 0x6b 1M 64k' \(Shell.quoted(overlay))")
        let imported = try await bed.importer.flatten(overlay: overlay, to: bed.path("images/golden/1.qcow2"))
        let info = try Shell.check("qemu-img info --output=json -f qcow2 \(Shell.quoted(imported.path))")
        #expect(info.contains("\"format\": \"qcow2\"") && !info.contains("backing"), "\(info)")
        #expect(imported.boot == .bios, "the base's boot sector came along")
        try Shell.check("qemu-io -f qcow2 -r -c 'read -P 0x6b 1M 64k' \(Shell.quoted(imported.path))")
        try FileManager.default.removeItem(atPath: overlay)
        try Shell.check("qemu-io -f qcow2 -r -c 'read -P 0x6b 1M 64k' \(Shell.quoted(imported.path))")
        #expect(throws: (any Error).self, "the base's untouched bytes are not the guest's pattern") {
            try Shell.check("qemu-io -f qcow2 -r -c 'read -P 0x6b 2M 64k' \(Shell.quoted(imported.path))")
        }
    }
}
