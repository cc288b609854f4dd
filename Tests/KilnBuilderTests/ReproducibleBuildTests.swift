import Foundation
import KilnSpec
import KilnTestSupport
import Testing

@testable import KilnBuilder

/// Two executions with the same inputs write bit-identical raw disks: the quickstart's bare filesystem and a
/// bootable, partitioned one.
@Suite(.serialized) struct ReproducibleBuildTests {
    static func build(
        _ name: String, number: Int, spec: ImageBuildSpec, files: MemoryFiles
    ) async throws -> (BuiltImage, TestBed) {
        let bed = try TestBed(name, buildNumber: number)
        var request = bed.request(spec, files: files)
        request.seed = "inputs-hash-of-the-spec"
        request.sourceDateEpoch = 1_750_000_000
        let images = try await hostBuilder().build(request) { _ in }
        return (try #require(images.first { $0.format == "raw" }), bed)
    }

    @Test func theQuickstartTwiceIsBitIdentical() async throws {
        let spec = try #require(Specs.parse(QuickstartBuildTests.yaml(marker: "same")).spec)
        let files = MemoryFiles([
            "scripts/install-busybox.sh": QuickstartBuildTests.installBusybox,
            "scripts/install-init.sh": QuickstartBuildTests.installInit
        ])
        let (first, bed1) = try await Self.build("busybox", number: 1, spec: spec, files: files)
        defer { bed1.remove() }
        let (second, bed2) = try await Self.build("busybox", number: 2, spec: spec, files: files)
        defer { bed2.remove() }
        let differences = try Shell.run(
            "cmp -l \(Shell.quoted(first.path)) \(Shell.quoted(second.path)) | head -5; for f in \(Shell.quoted(first.path)) \(Shell.quoted(second.path)); do dumpe2fs -h $f 2>/dev/null | grep -iE 'time|UUID|seed|checksum'; done"
        ).output
        #expect(first.sha256 == second.sha256, "\(differences)")
    }

    @Test func aBootableDiskTwiceIsBitIdentical() async throws {
        let inputs = try TestBed("inputs")
        defer { inputs.remove() }
        try inputs.makeInputs()
        let tarball = try BootableDiskTests.rootfsTarball(in: inputs.inputs)
        let spec = try #require(
            Specs.parse(
                """
                apiVersion: kiln.dev/v1
                kind: ImageBuild
                metadata: {name: bootable}
                spec:
                  type: qemu
                  source: {path: rootfs.tar}
                  disk: {size: 192mib, boot: hybrid}
                  verify: {boot: false}
                """
            ).spec)
        let files = MemoryFiles(bytes: ["rootfs.tar": tarball])
        let (first, bed1) = try await Self.build("bootable", number: 1, spec: spec, files: files)
        defer { bed1.remove() }
        let (second, bed2) = try await Self.build("bootable", number: 2, spec: spec, files: files)
        defer { bed2.remove() }
        let differences = try Shell.run("cmp -l \(Shell.quoted(first.path)) \(Shell.quoted(second.path)) | head").output
        #expect(first.sha256 == second.sha256, "\(differences)")
    }
}

/// `run.verifyReproducible`: two builds, compared.
@Suite(.serialized) struct VerifyReproducibleTests {
    static func spec(script: String) -> ImageBuildSpec? {
        Specs.parse(
            """
            apiVersion: kiln.dev/v1
            kind: ImageBuild
            metadata: {name: twice}
            spec:
              type: qemu
              source: {scratch: true}
              scripts:
                - {name: write, path: write.sh}
              disk: {size: 16mib}
              conversionFormats: [qcow2]
              run: {verifyReproducible: true}
            """
        ).spec
    }

    @Test func aReproducibleBuildPasses() async throws {
        let bed = try TestBed("twice")
        defer { bed.remove() }
        let spec = try #require(Self.spec(script: ""))
        let script = "#!/bin/sh\nset -eu\nmkdir -p \"$KILN_ROOTFS/etc\"\necho same > \"$KILN_ROOTFS/etc/same\"\n"
        let images = try await hostBuilder().build(bed.request(spec, files: MemoryFiles(["write.sh": script]))) { _ in }
        #expect(images.map(\.format) == ["raw", "qcow2"])
        #expect(bed.log.contains("reproducible: both builds made raw disks of sha256:"), "\(bed.log)")
        #expect(!FileManager.default.fileExists(atPath: bed.workDirectory + "-twin-out"))
    }

    @Test func anUnreproducibleBuildFailsNamingTheFile() async throws {
        let bed = try TestBed("twice")
        defer { bed.remove() }
        let spec = try #require(Self.spec(script: ""))
        let script =
            "#!/bin/sh\nset -eu\nmkdir -p \"$KILN_ROOTFS/etc\"\nhead -c 16 /dev/urandom > \"$KILN_ROOTFS/etc/random-seed\"\necho same > \"$KILN_ROOTFS/etc/same\"\n"
        do {
            _ = try await hostBuilder().build(bed.request(spec, files: MemoryFiles(["write.sh": script]))) { _ in }
            Issue.record("random bytes must fail run.verifyReproducible")
        } catch {
            guard case .notReproducible(_, _, let files) = error else {
                Issue.record("unexpected: \(error)")
                return
            }
            #expect(files == ["/etc/random-seed"], "\(files)")
        }
        #expect(bed.nothingLeftBehind)
        #expect(!FileManager.default.fileExists(atPath: bed.workDirectory + "-twin-out"))
        #expect(!FileManager.default.fileExists(atPath: bed.workDirectory + "-diff"))
    }
}
