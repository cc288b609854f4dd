import Testing

@testable import KilnBuilder

/// OVF text, manifests, format names and `qemu-img info` verification, without tools.
@Suite struct OutputTests {
    @Test func ovfDescriptorReferencesTheDisk() {
        let xml = OvfDescriptor(name: "web-3", diskFile: "web-3-disk1.vmdk", diskFileSize: 1234, capacityBytes: 2 << 30)
            .xml
        #expect(
            xml.hasPrefix(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Envelope xmlns=\"http://schemas.dmtf.org/ovf/envelope/1\""
            ))
        #expect(xml.contains("<File ovf:href=\"web-3-disk1.vmdk\" ovf:id=\"file1\" ovf:size=\"1234\"/>"))
        #expect(
            xml.contains(
                "<Disk ovf:capacity=\"2147483648\" ovf:capacityAllocationUnits=\"byte\" ovf:diskId=\"vmdisk1\" ovf:fileRef=\"file1\" ovf:format=\"http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized\"/>"
            ))
        #expect(xml.contains("<VirtualSystem ovf:id=\"web-3\">"))
        #expect(xml.contains("<rasd:HostResource>ovf:/disk/vmdisk1</rasd:HostResource>"))
        #expect(xml.contains("<rasd:VirtualQuantity>512</rasd:VirtualQuantity>"))
        #expect(xml.hasSuffix("</Envelope>\n"))
    }

    @Test(arguments: [
        ("a&b", "a&amp;b"), ("<x>", "&lt;x&gt;"), ("say \"hi\"", "say &quot;hi&quot;"), ("it's", "it&apos;s"),
        ("plain-1.0_x", "plain-1.0_x")
    ])
    func xmlEscaping(text: String, escaped: String) {
        #expect(OvfDescriptor.escaped(text) == escaped)
    }

    @Test func manifestListsEveryFile() {
        #expect(
            OvfManifest.text([("a.ovf", "11"), ("a-disk1.vmdk", "22")])
                == "SHA256(a.ovf)= 11\nSHA256(a-disk1.vmdk)= 22\n")
    }

    @Test(arguments: [
        (ImageFormat.raw, "raw", "raw", "raw"), (.qcow2, "qcow2", "qcow2", "qcow2"), (.vmdk, "vmdk", "vmdk", "vmdk"),
        (.vhd, "vpc", "vhd", "vhd"), (.vhdx, "vhdx", "vhdx", "vhdx"), (.ovf, "vmdk", "vmdk", "ova")
    ])
    func formatNames(format: ImageFormat, qemu: String, disk: String, output: String) {
        #expect(format.qemuFormat == qemu)
        #expect(format.diskExtension == disk)
        #expect(format.outputExtension == output)
    }

    static let qcow2Info = """
        {"virtual-size": 67108864, "filename": "x.qcow2", "cluster-size": 65536, "format": "qcow2",
         "actual-size": 200704, "format-specific": {"type": "qcow2", "data": {"compat": "1.1"}}, "dirty-flag": false}
        """

    @Test func infoOfAGoodImage() throws {
        let info = try #require(QemuImageInfo.parse(Self.qcow2Info))
        #expect(info.problem(expected: .qcow2, virtualSize: 64 << 20) == nil)
    }

    @Test func infoProblems() throws {
        let info = try #require(QemuImageInfo.parse(Self.qcow2Info))
        #expect(info.problem(expected: .vmdk, virtualSize: 64 << 20) == "qemu-img reads it as qcow2, not vmdk")
        #expect(
            info.problem(expected: .qcow2, virtualSize: 32 << 20)
                == "its virtual size is 67108864 bytes, not the 33554432 the spec asks for")
        var backed = info
        backed.backingFilename = "/etc/shadow"
        #expect(
            backed.problem(expected: .qcow2, virtualSize: 64 << 20)
                == "it names a backing file (/etc/shadow); outputs must be self-contained")
        let sparse = try #require(
            QemuImageInfo.parse(
                """
                {"virtual-size": 1048576, "format": "vmdk", "format-specific": {"type": "vmdk", "data": {"create-type": "monolithicSparse"}}}
                """))
        #expect(sparse.problem(expected: .vmdk, virtualSize: 1 << 20) == nil)
        #expect(
            sparse.problem(expected: .ovf, virtualSize: 1 << 20) == "it is a monolithicSparse vmdk, not streamOptimized"
        )
        #expect(QemuImageInfo.parse("qemu-img: Could not open") == nil)
    }

    @Test(arguments: [
        (SourceSniffer.Content.diskImage(format: "qcow2", backingFile: nil), ImageFormat.qcow2, nil as String?),
        (.diskImage(format: "raw ext2/3/4 filesystem", backingFile: nil), .raw, nil),
        (.diskImage(format: "vmdk", backingFile: nil), .ovf, nil),
        (.diskImage(format: "qcow2", backingFile: nil), .vmdk, "its header is that of a qcow2 image, not vmdk"),
        (.diskImage(format: "qcow2", backingFile: "/x"), .qcow2, "its header names a backing file (/x)"),
        (.unknown, .vhdx, "its header is not that of a vhdx image")
    ])
    func headerChecks(content: SourceSniffer.Content, format: ImageFormat, problem: String?) {
        #expect(VerifyStep.headerProblem(content, format: format) == problem)
    }
}
