import Foundation
import KilnSpec
import KilnTestSupport
import Testing

@testable import KilnBuilder

/// A layered build reads its base Image's disk (a partitioned qcow2) without mounting it, provisions on top, and
/// makes a new bootable disk. No boots here: BootableDiskTests boots such disks.
@Suite(.serialized) struct LayeredBuildTests {
    static func spec(_ body: String) -> ImageBuildSpec? {
        Specs.parse(
            """
            apiVersion: kiln.dev/v1
            kind: ImageBuild
            metadata: {name: layer}
            spec:
              type: qemu
            \(body.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
            """
        ).spec
    }

    @Test func aLayerStartsFromItsBaseDisk() async throws {
        let baseBed = try TestBed("base")
        defer { baseBed.remove() }
        try baseBed.makeInputs()
        try Shell.check("mkdir -p \(baseBed.inputs)/tree/usr/bin")
        try Shell.check("cp /bin/busybox \(baseBed.inputs)/tree/usr/bin/setuid-probe")
        let tarball = try BootableDiskTests.rootfsTarball(in: baseBed.inputs)
        // Archives lose setuid bits on unpacking (Kiln's policy); a script sets one, as a package's postinst would.
        let setuid = "#!/bin/sh\nchmod 4755 \"$KILN_ROOTFS/usr/bin/setuid-probe\"\n"
        let baseSpec = try #require(
            Self.spec(
                "source: {path: rootfs.tar}\ndisk: {size: 192mib}\nverify: {boot: false}\nconversionFormats: [qcow2]\nscripts:\n  - {name: setuid, path: setuid.sh}"
            ))
        let baseImages = try await hostBuilder().build(
            baseBed.request(
                baseSpec, files: MemoryFiles(bytes: ["rootfs.tar": tarball, "setuid.sh": Array(setuid.utf8)]))
        ) { _ in }
        let baseRaw = try #require(baseImages.first { $0.format == "raw" })
        let baseOffset = try Shell.check(
            "sfdisk --json \(Shell.quoted(baseRaw.path)) | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"partitiontable\"][\"partitions\"][1][\"start\"] * 512)'"
        ).trimmingCharacters(in: .whitespacesAndNewlines)
        let baseDevice = Shell.quoted(baseRaw.path + "?offset=" + baseOffset)
        let baseListing = try Shell.run("debugfs -R 'ls -p /usr/bin' \(baseDevice)").output
        #expect(baseListing.contains("/104755/0/0/setuid-probe/"), "\(baseListing)")
        let qcow2 = try #require(baseImages.first { $0.format == "qcow2" })
        #expect(qcow2.boot == .hybrid)

        let bed = try TestBed("layer")
        defer { bed.remove() }
        let script = "#!/bin/sh\nset -eu\necho layered-marker > \"$KILN_ROOTFS/etc/web-marker\"\n"
        let spec = try #require(
            Self.spec(
                "source: {image: base}\ndisk: {size: 192mib}\nverify: {boot: false}\nscripts:\n  - {name: mark, path: mark.sh}"
            ))
        var request = bed.request(spec, files: MemoryFiles(["mark.sh": script]))
        request.baseImage = BaseImage(
            name: "base", path: qcow2.path, format: "qcow2", sha256: qcow2.sha256, boot: qcow2.boot)
        let images: [BuiltImage]
        do {
            images = try await hostBuilder().build(request) { _ in }
        } catch {
            Issue.record("layer failed: \(error)\n\(bed.log)")
            return
        }
        let raw = try #require(images.first { $0.format == "raw" })
        #expect(raw.boot == .hybrid, "the base's kernel came along")
        #expect(bed.log.contains("setuid/setgid modes restored"), "\(bed.log)")
        let offset = try Shell.check(
            "sfdisk --json \(Shell.quoted(raw.path)) | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"partitiontable\"][\"partitions\"][1][\"start\"] * 512)'"
        )
        .trimmingCharacters(in: .whitespacesAndNewlines)
        let device = Shell.quoted(raw.path + "?offset=" + offset)
        #expect(try Shell.check("debugfs -R 'cat /etc/web-marker' \(device) 2>/dev/null") == "layered-marker\n")
        let listing = try Shell.run("debugfs -R 'ls -p /usr/bin' \(device)").output
        #expect(listing.contains("/104755/0/0/setuid-probe/"), "\(listing)")
        #expect(
            try Shell.check("debugfs -R 'ls /sbin' \(device) 2>/dev/null").contains("init"),
            "the base's files are there")

        // A base file that is not what the catalog recorded is refused (its sha256 is checked while it is copied out
        // into the work folder), before any script runs on it, and nothing is left.
        let other = try TestBed("layer", buildNumber: 2)
        defer { other.remove() }
        var tampered = other.request(spec, files: MemoryFiles(["mark.sh": script]))
        tampered.baseImage = BaseImage(
            name: "base", path: qcow2.path, format: "qcow2", sha256: String(repeating: "0", count: 64), boot: .hybrid)
        let refusal = await buildFailure(tampered)
        guard case .checksumMismatch(_, let expected, let actual)? = refusal else {
            Issue.record("expected a checksum mismatch, got \(String(describing: refusal))")
            return
        }
        #expect(expected == "sha256:" + String(repeating: "0", count: 64) && actual == "sha256:" + qcow2.sha256)
        #expect(!other.log.contains("starting mark.sh"), "\(other.log)")
        #expect(other.nothingLeftBehind)
    }
}
