import Foundation
import KilnSpec
import KilnTestSupport
import Testing

@testable import KilnBuilder

/// Hostile or broken sources: each fails with a clear message and leaves nothing behind.
@Suite struct SourceFailureTests {
    private func archiveSource(
        _ bed: TestBed, _ entries: [Archives.Entry], name: String = "rootfs.tar",
        checksum: String? = nil
    ) throws -> (ImageBuildSpec, MemoryFiles) {
        try bed.makeInputs()
        let path = "\(bed.inputs)/\(name)"
        try Archives.tar(path, entries)
        var source: [String: SpecValue] = ["path": .string("sources/\(name)")]
        if let checksum { source["checksum"] = .string(checksum) }
        return (Specs.unchecked(source: source), MemoryFiles(bytes: ["sources/\(name)": try Archives.bytes(path)]))
    }

    @Test func wrongChecksumIsRefused() async throws {
        let bed = try TestBed("wrong-sum")
        defer { bed.remove() }
        let wrong = "sha256:" + String(repeating: "ab", count: 32)
        let (spec, files) = try archiveSource(bed, [.file("etc/hostname", "x\n")], checksum: wrong)
        let error = await buildFailure(bed.request(spec, files: files))
        guard case .checksumMismatch(let source, let expected, let actual)? = error else {
            Issue.record("expected a checksum mismatch, got \(String(describing: error))")
            return
        }
        #expect(source == "sources/rootfs.tar")
        #expect(expected == wrong)
        #expect(actual.hasPrefix("sha256:") && actual != wrong)
        #expect(error?.description.contains("does not match its checksum") == true)
        #expect(bed.nothingLeftBehind)
    }

    @Test func malformedChecksumIsRefusedBeforeAnyWork() async throws {
        let bed = try TestBed("bad-sum")
        defer { bed.remove() }
        let spec = Specs.unchecked(source: [
            "url": .string("http://127.0.0.1:9/rootfs.tar"), "checksum": .string("sha256:abc")
        ])
        // ImageBuildSpec drops a checksum it cannot parse; build the value the way a hand-made request would.
        var request = bed.request(spec)
        request.spec.source = .url("http://127.0.0.1:9/rootfs.tar", Checksum(algorithm: .sha256, hex: "abc"))
        let error = await buildFailure(request)
        #expect(error == .invalidChecksum("sha256 checksum has 3 hex digits instead of 64"))
        #expect(bed.nothingLeftBehind)
        #expect(!FileManager.default.fileExists(atPath: bed.logPath))
    }

    @Test func unknownAlgorithmNeverReachesTheBuilder() {
        let parsed = Specs.parse(
            """
            apiVersion: kiln.dev/v1
            kind: ImageBuild
            metadata: {name: crc}
            spec:
              type: qemu
              source: {url: "https://example.com/rootfs.tar.gz", checksum: "crc32:1234abcd"}
            """)
        #expect(parsed.spec == nil)
        #expect(parsed.errors.contains { $0.message.contains("unknown checksum algorithm") })
    }

    @Test(arguments: [
        ("../escape", "a path with .."),
        ("etc/../../escape", "a path with .."),
        ("/etc/cron.d/evil", "an absolute path")
    ])
    func entriesLeavingTheRootAreRefused(name: String, reason: String) async throws {
        let bed = try TestBed("dotdot")
        defer { bed.remove() }
        let (spec, files) = try archiveSource(bed, [.file("etc/hostname", "ok\n"), .file(name, "owned\n")])
        let error = await buildFailure(bed.request(spec, files: files))
        guard case .unsafeArchiveEntry(let entry, let why)? = error else {
            Issue.record("expected a refused entry, got \(String(describing: error))")
            return
        }
        #expect(entry == name)
        #expect(why.contains(reason))
        #expect(bed.nothingLeftBehind)
        #expect(!FileManager.default.fileExists(atPath: "\(bed.dataDirectory)/work/escape"))
    }

    @Test func writingThroughASymlinkIsRefused() async throws {
        let bed = try TestBed("symlink-write")
        defer { bed.remove() }
        let passwd = try String(contentsOfFile: "/etc/passwd", encoding: .utf8)
        let (spec, files) = try archiveSource(
            bed, [.symlink("a", to: "/etc"), .file("a/passwd", "root::0:0::/:/bin/sh\n")])
        let error = await buildFailure(bed.request(spec, files: files))
        guard case .unsafeArchiveEntry(let entry, let why)? = error else {
            Issue.record("expected a refused entry, got \(String(describing: error))")
            return
        }
        #expect(entry == "a/passwd")
        #expect(why.localizedCaseInsensitiveContains("symlink"))
        #expect(try String(contentsOfFile: "/etc/passwd", encoding: .utf8) == passwd)
        #expect(bed.nothingLeftBehind)
    }

    @Test func relativeSymlinkAboveTheRootIsRefused() async throws {
        let bed = try TestBed("symlink-up")
        defer { bed.remove() }
        let (spec, files) = try archiveSource(bed, [.symlink("etc/up", to: "../../../../etc")])
        let error = await buildFailure(bed.request(spec, files: files))
        #expect(
            error
                == .unsafeArchiveEntry(
                    entry: "etc/up", reason: "symbolic link to ../../../../etc leads outside the root filesystem"))
        #expect(bed.nothingLeftBehind)
    }

    @Test(arguments: [
        (
            [Archives.Entry.hardlink("shadow", to: "../../../../../etc/shadow")], "shadow",
            "hard link target: a path with .."
        ),
        ([Archives.Entry.hardlink("shadow", to: "/etc/shadow")], "shadow", "hard link target: an absolute path"),
        ([Archives.Entry.symlink("l", to: "/etc"), .hardlink("shadow", to: "l/shadow")], "shadow", "symlink")
    ])
    func hardlinkEscapesAreRefused(entries: [Archives.Entry], entry: String, reason: String) async throws {
        let bed = try TestBed("hardlink")
        defer { bed.remove() }
        let (spec, files) = try archiveSource(bed, entries)
        let error = await buildFailure(bed.request(spec, files: files))
        guard case .unsafeArchiveEntry(let refused, let why)? = error else {
            Issue.record("expected a refused entry, got \(String(describing: error))")
            return
        }
        #expect(refused == entry)
        #expect(why.localizedCaseInsensitiveContains(reason), "\(why)")
        #expect(bed.nothingLeftBehind)
    }

    @Test func zipBombStopsEarly() async throws {
        let bed = try TestBed("zip-bomb")
        defer { bed.remove() }
        try bed.makeInputs()
        let zip = "\(bed.inputs)/bomb.zip"
        try Archives.zipBomb(zip, mebibytes: 512)
        let spec = Specs.unchecked(source: ["path": .string("sources/bomb.zip")], size: "2gib")
        let files = MemoryFiles(bytes: ["sources/bomb.zip": try Archives.bytes(zip)])
        let error = await buildFailure(bed.request(spec, files: files))
        guard case .archiveLimitExceeded(let reason)? = error else {
            Issue.record("expected the expansion limit, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("decompression bomb"))
        #expect(bed.nothingLeftBehind)
    }

    @Test func unpackedBytesAreCappedByTheDiskSize() async throws {
        let bed = try TestBed("too-big")
        defer { bed.remove() }
        let (spec, files) = try archiveSource(bed, [.random("big", bytes: 20 << 20)])
        let error = await buildFailure(bed.request(spec, files: files))
        guard case .archiveLimitExceeded(let reason)? = error else {
            Issue.record("expected the size limit, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("16777216 bytes"))
        #expect(bed.nothingLeftBehind)
    }

    @Test func entryCountIsCapped() async throws {
        let bed = try TestBed("many")
        defer { bed.remove() }
        let (spec, files) = try archiveSource(bed, (0..<30).map { .file("f\($0)", "x") })
        var limits = BuildLimits()
        limits.maxArchiveEntries = 10
        let error = await buildFailure(bed.request(spec, files: files, limits: limits))
        #expect(error == .archiveLimitExceeded("the archive has more than 10 entries"))
        #expect(bed.nothingLeftBehind)
    }

    @Test func qcow2WithBackingFileIsRefusedUnopened() async throws {
        let bed = try TestBed("qcow2-source")
        defer { bed.remove() }
        try bed.makeInputs()
        let image = "\(bed.inputs)/evil.qcow2"
        try Shell.check("qemu-img create -q -f qcow2 -F raw -b /etc/shadow -u \(Shell.quoted(image)) 64M")
        let spec = Specs.unchecked(source: ["path": .string("sources/rootfs.tar.gz")])
        let files = MemoryFiles(bytes: ["sources/rootfs.tar.gz": try Archives.bytes(image)])
        let error = await buildFailure(bed.request(spec, files: files))
        #expect(error == .diskImageSource(format: "qcow2", backingFile: "/etc/shadow"))
        #expect(error?.description.contains("backing file (/etc/shadow)") == true)
        #expect(bed.nothingLeftBehind)
    }

    @Test func plainDiskImageIsRefused() async throws {
        let bed = try TestBed("raw-source")
        defer { bed.remove() }
        try bed.makeInputs()
        let image = "\(bed.inputs)/disk.qcow2"
        try Shell.check("qemu-img create -q -f qcow2 \(Shell.quoted(image)) 16M")
        let files = MemoryFiles(bytes: ["sources/disk.qcow2": try Archives.bytes(image)])
        let error = await buildFailure(
            bed.request(Specs.unchecked(source: ["path": .string("sources/disk.qcow2")]), files: files))
        #expect(error == .diskImageSource(format: "qcow2", backingFile: nil))
        #expect(bed.nothingLeftBehind)
    }

    @Test func textIsNotAnArchive() async throws {
        let bed = try TestBed("text-source")
        defer { bed.remove() }
        let files = MemoryFiles(["sources/readme.txt": "just some text, no archive here\n"])
        let error = await buildFailure(
            bed.request(Specs.unchecked(source: ["path": .string("sources/readme.txt")]), files: files))
        guard case .notAnArchive? = error else {
            Issue.record("expected notAnArchive, got \(String(describing: error))")
            return
        }
        #expect(bed.nothingLeftBehind)
    }

    @Test func missingSourceInTheCommit() async throws {
        let bed = try TestBed("no-source")
        defer { bed.remove() }
        let error = await buildFailure(bed.request(Specs.unchecked(source: ["path": .string("sources/absent.tar")])))
        #expect(
            error == .sourceUnreadable(path: "sources/absent.tar", reason: "sources/absent.tar is not in the commit"))
        #expect(bed.nothingLeftBehind)
    }
}
