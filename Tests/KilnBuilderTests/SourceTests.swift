import Foundation
import KilnSpec
import KilnTestSupport
import Testing

@testable import KilnBuilder

/// A real root-filesystem archive: what belongs in it arrives in the image, what does not is dropped.
@Suite struct SourceTests {
    @Test func archiveContentsReachTheImage() async throws {
        let bed = try TestBed("from-archive")
        defer { bed.remove() }
        try bed.makeInputs()
        let archive = "\(bed.inputs)/rootfs.tar.gz"
        try Archives.tar(
            archive,
            [
                .dir("etc"), .file("etc/hostname", "from-archive\n"),
                .dir("usr/lib"), .file("usr/lib/ld.so", "loader", mode: 0o755),
                .symlink("lib64", to: "/usr/lib"),
                .hardlink("etc/hostname.bak", to: "etc/hostname"),
                .file("bin/su", "pretend setuid", mode: 0o4755),
                .fifo("run/fifo"), .characterDevice("dev/null")
            ])
        let bytes = try Archives.bytes(archive)
        let checksum = "sha256:" + Digest.sha256Hex(bytes)
        let spec = Specs.unchecked(source: ["path": .string("sources/rootfs.tar.gz"), "checksum": .string(checksum)])
        let images = try await hostBuilder().build(
            bed.request(spec, files: MemoryFiles(bytes: ["sources/rootfs.tar.gz": bytes]))
        ) { _ in }
        let raw = try #require(images.first { $0.format == "raw" }).path

        #expect(try Ext4Image.cat(raw, "/etc/hostname") == "from-archive\n")
        #expect(try Ext4Image.cat(raw, "/etc/hostname.bak") == "from-archive\n")
        #expect(try Ext4Image.mode(raw, "/bin/su") == 0o755)
        #expect(try Ext4Image.exists(raw, "/lib64"))
        #expect(try !Ext4Image.exists(raw, "/dev/null"))
        #expect(try !Ext4Image.exists(raw, "/run/fifo"))
        let log = bed.log
        #expect(
            log.contains("[Fetching] sources/rootfs.tar.gz: \(bytes.count) bytes from the commit, checksum verified"))
        #expect(log.contains("[Unpacking] 1 × device node dropped"))
        #expect(log.contains("[Unpacking] 1 × FIFO dropped"))
        #expect(log.contains("[Unpacking] cleared setuid/setgid bits of 1 files"))
        #expect(!FileManager.default.fileExists(atPath: bed.workDirectory))
    }
}
