import Foundation
import Glibc
import KilnSpec
import Testing

@testable import KilnBuilder

/// The hole-aware checksum: sparse files (holes hashed as zeros, never read) digest to what `sha256sum` reads.
@Suite struct FileChecksumTests {
    /// A file of `size` bytes with `writes` (offset, byte count) of pseudo-random data; the rest are holes.
    static func sparseFile(_ path: String, size: Int, writes: [(offset: Int, count: Int)]) throws {
        let fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0o600)
        try #require(fd >= 0)
        defer { close(fd) }
        try #require(ftruncate(fd, off_t(size)) == 0)
        var generator = SystemRandomNumberGenerator()
        for write in writes {
            let bytes = (0..<write.count).map { _ in UInt8.random(in: 1...255, using: &generator) }
            let written = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(write.offset)) }
            try #require(written == write.count)
        }
    }

    static let mebibyte = 1 << 20

    @Test(
        arguments: [
            (
                "data between holes, unaligned", 8 * mebibyte,
                [(5_000, 3), (3 * mebibyte + 17, mebibyte + 5), (8 * mebibyte - 10, 10)]
            ),
            ("only a hole", 8 * mebibyte, []),
            ("data, then a hole to the end", 5 * mebibyte, [(0, 2 * mebibyte + 1)]),
            ("one byte of data at the very end", 3 * mebibyte + 1, [(3 * mebibyte, 1)]),
            ("no hole", 2 * mebibyte + 3, [(0, 2 * mebibyte + 3)]),
            ("empty", 0, [])
        ] as [(String, Int, [(offset: Int, count: Int)])])
    func holeAwareDigestEqualsSha256sum(name: String, size: Int, writes: [(offset: Int, count: Int)]) throws {
        let bed = try TestBed("checksum")
        defer { bed.remove() }
        let path = bed.root + "/disk.raw"
        try Self.sparseFile(path, size: size, writes: writes)
        let expected = String(try Shell.check("sha256sum \(Shell.quoted(path))").prefix(64))
        #expect(try FileChecksum.compute(.sha256, path: path) == expected, "\(name)")
        let sha512 = String(try Shell.check("sha512sum \(Shell.quoted(path))").prefix(128))
        #expect(try FileChecksum.compute(.sha512, path: path) == sha512, "\(name)")
    }

    /// The test above proves the hole path only if the filesystem reports holes: here it must (the test folder's
    /// filesystem is ext4 or tmpfs, both of which do), and data is found where it was written.
    @Test func holesAreReportedAndSkipped() throws {
        let bed = try TestBed("checksum-extents")
        defer { bed.remove() }
        let path = bed.root + "/disk.raw"
        let size = 16 * Self.mebibyte
        try Self.sparseFile(path, size: size, writes: [(4 * Self.mebibyte, 4096), (12 * Self.mebibyte, 4096)])
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        try #require(fd >= 0)
        defer { close(fd) }
        let extents = FileChecksum.dataExtents(fd, size: off_t(size))
        let dataBytes = extents.reduce(0) { $0 + Int($1.end - $1.start) }
        #expect(extents.count == 2, "\(extents)")
        #expect(dataBytes < Self.mebibyte, "only the written blocks are read: \(extents)")
        #expect(
            extents.last.map { $0.start <= 12 * Self.mebibyte && $0.end >= 12 * Self.mebibyte + 4096 } == true,
            "\(extents)")
        #expect(
            extents.first.map { $0.start <= 4 * Self.mebibyte && $0.end >= 4 * Self.mebibyte + 4096 } == true,
            "\(extents)")
    }
}
