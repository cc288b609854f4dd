import Foundation
import Glibc
import Testing

@testable import KilnBuilder

/// The times a root filesystem's tree is given before `mkfs.ext4 -d` copies it: on a real folder, no tools.
@Suite struct ReproducibleTimesTests {
    static let epoch: Int64 = 1_750_000_000
    static let packageTime: Int64 = 1_685_023_897
    static let buildTime: Int64 = 1_796_487_128

    /// A small Debian-like tree: a package's file, folders with a package's time and a build's, apt's cache with the
    /// `lock` and `partial` a warm cache's `sync-in` left, and symlinks whose targets must not be touched.
    static func tree() throws -> String {
        let root = NSTemporaryDirectory() + "kiln-times-\(UUID().uuidString)"
        for folder in ["usr/bin", "var/cache/apt/archives/partial", "var/lib/apt/lists/partial", "etc"] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(folder)", withIntermediateDirectories: true)
        }
        for (file, text) in [
            "usr/bin/less": "less", "var/cache/apt/archives/lock": "", "etc/hostname": "debian\n",
            "var/lib/apt/extended_states": "Package: less\n"
        ] {
            try text.write(toFile: "\(root)/\(file)", atomically: false, encoding: .utf8)
        }
        try FileManager.default.createSymbolicLink(atPath: "\(root)/usr/bin/pager", withDestinationPath: "less")
        try FileManager.default.createSymbolicLink(
            atPath: "\(root)/var/cache/apt/archives/link", withDestinationPath: "\(root)/usr/bin/less")
        for path in [
            "usr/bin/less", "usr/bin", "var/cache/apt/archives/partial", "var/cache/apt/archives/lock",
            "var/lib/apt/lists/partial"
        ] {
            try setTime("\(root)/\(path)", packageTime)
        }
        try setTime("\(root)/etc/hostname", buildTime)
        return root
    }

    static func setTime(_ path: String, _ seconds: Int64) throws {
        var times = [timespec(tv_sec: Int(seconds), tv_nsec: 0), timespec(tv_sec: Int(seconds), tv_nsec: 0)]
        guard utimensat(AT_FDCWD, path, &times, AT_SYMLINK_NOFOLLOW) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    static func mtime(_ path: String) -> Int64 {
        var info = stat()
        return lstat(path, &info) == 0 ? Int64(info.st_mtim.tv_sec) : -1
    }

    @Test func clampingLowersOnlyTheTimesTheBuildWrote() throws {
        let root = try Self.tree()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let paths = Reproducible.clampModificationTimes(root, epoch: Self.epoch)
        #expect(paths.first == "/")
        #expect(paths.contains("/var/cache/apt/archives/partial") && paths.contains("/usr/bin/pager"))
        #expect(Self.mtime(root + "/etc/hostname") == Self.epoch)
        // Older than the commit: kept, which is how a warm-cache rebuild kept apt's 2023 time on `partial`.
        #expect(Self.mtime(root + "/var/cache/apt/archives/partial") == Self.packageTime)
        #expect(Self.mtime(root + "/usr/bin/less") == Self.packageTime)
    }

    @Test func foldersAndAptsCachesGetTheCommitsTimeAndPackagesFilesKeepTheirs() throws {
        let root = try Self.tree()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let stamped = Reproducible.stampRunHistory(root, epoch: Self.epoch)
        for folder in ["", "/usr", "/usr/bin", "/var/cache/apt/archives/partial", "/var/lib/apt/lists/partial", "/etc"]
        {
            #expect(Self.mtime(root + folder) == Self.epoch, "\(folder.isEmpty ? "/" : folder)")
        }
        // apt's cache: everything in it, files too (the lock a cache filled long ago carries in).
        #expect(Self.mtime(root + "/var/cache/apt/archives/lock") == Self.epoch)
        #expect(Self.mtime(root + "/var/cache/apt/archives/link") == Self.epoch)
        // A package's file keeps its own time, even where a symlink in apt's cache points at it.
        #expect(Self.mtime(root + "/usr/bin/less") == Self.packageTime)
        // Outside apt's caches, files are left to the clamp.
        #expect(Self.mtime(root + "/etc/hostname") == Self.buildTime)
        #expect(Self.mtime(root + "/var/lib/apt/extended_states") != Self.epoch)
        // Thirteen folders, the lock and the link.
        #expect(stamped == 15)
    }
}
