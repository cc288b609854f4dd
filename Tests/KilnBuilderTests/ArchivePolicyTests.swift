import Testing

@testable import KilnBuilder

/// Entry decisions, expansion caps and magic numbers, as pure functions.
@Suite struct ArchivePolicyTests {
    private static func entry(_ path: String, _ kind: ArchiveEntry.Kind = .file, mode: UInt32 = 0o644) -> ArchiveEntry {
        ArchiveEntry(path: path, kind: kind, mode: mode, size: 0)
    }

    @Test(arguments: [
        (
            entry("etc/hostname"),
            EntryPolicy.Decision.extract(path: "etc/hostname", linkTarget: nil, mode: 0o644, clearedSetID: false)
        ),
        (entry("./etc//hosts"), .extract(path: "etc/hosts", linkTarget: nil, mode: 0o644, clearedSetID: false)),
        (entry("./"), .skip(reason: "the root folder itself")),
        (entry("bin/su", mode: 0o4755), .extract(path: "bin/su", linkTarget: nil, mode: 0o755, clearedSetID: true)),
        (
            entry("usr/bin/wall", mode: 0o2755),
            .extract(path: "usr/bin/wall", linkTarget: nil, mode: 0o755, clearedSetID: true)
        ),
        (
            entry("tmp", .directory, mode: 0o1777),
            .extract(path: "tmp", linkTarget: nil, mode: 0o1777, clearedSetID: false)
        ),
        (entry("dev/null", .characterDevice), .skip(reason: "device node dropped")),
        (entry("dev/sda", .blockDevice), .skip(reason: "device node dropped")),
        (entry("run/initctl", .fifo), .skip(reason: "FIFO dropped")),
        (entry("run/sock", .socket), .skip(reason: "socket dropped")),
        (entry("../x"), .refuse(reason: "a path with .. (../x), which could leave the root filesystem")),
        (entry("a/../../x"), .refuse(reason: "a path with .. (a/../../x), which could leave the root filesystem")),
        (entry("/etc/passwd"), .refuse(reason: "an absolute path (/etc/passwd); entries must be relative to the root")),
        (
            entry("lib64", .symlink(target: "/usr/lib64")),
            .extract(path: "lib64", linkTarget: nil, mode: 0o644, clearedSetID: false)
        ),
        (
            entry("usr/lib/x", .symlink(target: "../../etc/x")),
            .extract(path: "usr/lib/x", linkTarget: nil, mode: 0o644, clearedSetID: false)
        ),
        (
            entry("usr/lib/x", .symlink(target: "../../../etc")),
            .refuse(reason: "symbolic link to ../../../etc leads outside the root filesystem")
        ),
        (entry("x", .symlink(target: "")), .refuse(reason: "a symbolic link without a valid target")),
        (
            entry("h", .hardlink(target: "etc/hostname")),
            .extract(path: "h", linkTarget: "etc/hostname", mode: 0o644, clearedSetID: false)
        ),
        (
            entry("h", .hardlink(target: "/etc/shadow")),
            .refuse(reason: "hard link target: an absolute path (/etc/shadow); entries must be relative to the root")
        ),
        (
            entry("h", .hardlink(target: "../shadow")),
            .refuse(reason: "hard link target: a path with .. (../shadow), which could leave the root filesystem")
        ),
        (entry("h", .hardlink(target: "./")), .refuse(reason: "a hard link to the root folder"))
    ])
    func decisions(entry: ArchiveEntry, decision: EntryPolicy.Decision) {
        #expect(EntryPolicy.decide(entry) == decision)
    }

    @Test(arguments: [
        ("a", "..", true), ("a/b", "..", false), ("a/b", "../..", true), ("a/b/c", "../../x", false),
        ("a/b/c", "../../../x", true),
        ("a/b", "./../c/../../..", true), ("a", "b/../../c", true), ("a", "b/..", false)
    ])
    func symlinkClimbing(link: String, target: String, climbs: Bool) {
        #expect(EntryPolicy.climbsAboveRoot(link: link, target: target) == climbs)
    }

    @Test func expansionCaps() {
        var cap = ExpansionGuard(maxEntries: 2, maxBytes: 1000, maxRatio: 10, ratioFloor: 100)
        #expect(cap.addEntry() == nil)
        #expect(cap.addEntry() == nil)
        #expect(cap.addEntry() == "the archive has more than 2 entries")
        #expect(cap.addBytes(99, compressedIn: 1) == nil, "below the floor, the ratio is not judged")
        #expect(cap.addBytes(1, compressedIn: 10) == nil, "100 out of 10 in is exactly the ratio")
        #expect(
            cap.addBytes(1, compressedIn: 10)
                == "the archive expands more than 10× (101 bytes out of 10 read): a decompression bomb")
        #expect(cap.admits(declaredSize: 899) == nil)
        #expect(cap.admits(declaredSize: 900) != nil)
        var total = ExpansionGuard(maxEntries: 10, maxBytes: 1000, maxRatio: 1e9, ratioFloor: 0)
        #expect(total.addBytes(1001, compressedIn: 2000)?.contains("more than 1000 bytes") == true)
    }

    /// A qcow2 header (version 3, 104 bytes) whose backing file name follows it.
    static func qcow2Header(backing: String?) -> [UInt8] {
        var h = [UInt8](repeating: 0, count: 512)
        h.replaceSubrange(0..<4, with: [0x51, 0x46, 0x49, 0xFB])
        h[7] = 3
        if let backing {
            let name = Array(backing.utf8)
            h[15] = 0x70  // backing_file_offset = 0x70
            h[19] = UInt8(name.count)
            h.replaceSubrange(0x70..<(0x70 + name.count), with: name)
        }
        return h
    }

    static func at(_ offset: Int, _ bytes: [UInt8], size: Int = 4096) -> [UInt8] {
        var h = [UInt8](repeating: 0, count: max(size, offset + bytes.count))
        h.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
        return h
    }

    @Test(arguments: [
        ([0x1F, 0x8B, 0x08], SourceSniffer.Content.archive("gzip")),
        (Array("BZh91AY".utf8), .archive("bzip2")),
        ([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], .archive("xz")),
        ([0x28, 0xB5, 0x2F, 0xFD], .archive("zstd")),
        ([0x50, 0x4B, 0x03, 0x04], .archive("zip")),
        (at(257, Array("ustar".utf8)), .archive("tar")),
        (qcow2Header(backing: nil), .diskImage(format: "qcow2", backingFile: nil)),
        (qcow2Header(backing: "/etc/shadow"), .diskImage(format: "qcow2", backingFile: "/etc/shadow")),
        (
            Array("KDMV".utf8) + Array("...parentFileNameHint=\"/srv/base.vmdk\"".utf8),
            .diskImage(format: "vmdk", backingFile: "/srv/base.vmdk")
        ),
        (Array("# Disk DescriptorFile\nversion=1\n".utf8), .diskImage(format: "vmdk", backingFile: nil)),
        (Array("vhdxfile".utf8), .diskImage(format: "vhdx", backingFile: nil)),
        (at(0x40, [0x7F, 0x10, 0xDA, 0xBE]), .diskImage(format: "vdi", backingFile: nil)),
        (at(0x8001, Array("CD001".utf8), size: 0x9000), .diskImage(format: "ISO 9660", backingFile: nil)),
        (at(1080, [0x53, 0xEF]), .diskImage(format: "raw ext2/3/4 filesystem", backingFile: nil)),
        (at(510, [0x55, 0xAA]), .diskImage(format: "raw disk (MBR)", backingFile: nil)),
        (Array("hello, world\n".utf8), .unknown)
    ])
    func sniffing(header: [UInt8], content: SourceSniffer.Content) {
        #expect(SourceSniffer.detect(header: header) == content)
    }

    @Test func vhdFooterAtTheEnd() {
        var footer = [UInt8](repeating: 0, count: 512)
        footer.replaceSubrange(0..<8, with: Array("conectix".utf8))
        #expect(SourceSniffer.detect(header: [1, 2, 3], trailer: footer) == .diskImage(format: "vhd", backingFile: nil))
        footer[63] = 4
        #expect(
            SourceSniffer.detect(header: [1, 2, 3], trailer: footer)
                == .diskImage(format: "vhd", backingFile: "a parent disk named in its header"))
    }

    @Test func backingNameBeyondTheHeaderIsNotInvented() {
        var h = Self.qcow2Header(backing: nil)
        h[14] = 0x10  // offset 0x1000, past the 512 bytes read
        h[19] = 8
        #expect(
            SourceSniffer.detect(header: h)
                == .diskImage(format: "qcow2", backingFile: "named at byte 4096 of the header"))
    }
}
