import Foundation
import KilnTestSupport
import Testing

@testable import KilnBuilder

/// The build VM's end: the last step's read-only remount, run with `sh` against made-up mount tables (`mount`,
/// `systemctl` and `poweroff` are shell functions that record their calls: nothing on this host is remounted), and
/// the host's check of real ext4 superblocks made by mkfs.ext4 and changed by debugfs.
struct BuildVMPowerOffTests {
    static func run(mounts: [String]) throws -> String {
        let folder = try BuildVMAccessTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try (mounts.joined(separator: "\n") + "\n").write(
            toFile: folder + "/mounts", atomically: false, encoding: .utf8)
        let program =
            """
            set -e
            mount() { echo "mount $*"; case "$3" in /busy) return 32 ;; esac; }
            systemctl() { echo "systemctl $*"; }
            poweroff() { echo poweroff; }

            """
            + BuildVMPowerOff.program.replacingOccurrences(of: "/proc/mounts", with: folder + "/mounts")
        return try Shell.check("sh -c \(Shell.quoted(program))")
    }

    static let guest = [
        "/dev/vda2 / ext4 rw,relatime,errors=remount-ro 0 0",
        "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0",
        "tmpfs /run tmpfs rw,nosuid,nodev,size=100k,mode=755 0 0",
        "/dev/vda1 /boot/efi vfat rw,relatime,fmask=0077,dmask=0077 0 0",
        "/dev/vdb /data ext4 ro,relatime 0 0"
    ]

    @Test func everyReadWriteDiskFilesystemIsRemountedReadOnlyThenKilnMayQuitQemu() throws {
        let output = try Self.run(mounts: Self.guest)
        #expect(
            output == "mount -o remount,ro /\nmount -o remount,ro /boot/efi\n\(BuildVMPowerOff.readOnlyMarker)\n",
            "not /proc, /run (no device) nor /data (already read-only)")
    }

    @Test func aFilesystemThatCannotGoReadOnlyMakesTheGuestPowerOff() throws {
        let output = try Self.run(mounts: Self.guest + ["/dev/vdc /busy ext4 rw,relatime 0 0"])
        #expect(output.contains("mount -o remount,ro /busy\n"))
        #expect(output.hasSuffix("systemctl poweroff --no-block\n"), "\(output)")
        #expect(!output.contains(BuildVMPowerOff.readOnlyMarker))
    }

    @Test func nothingReadWriteLeftIsReadOnlyAlready() throws {
        let output = try Self.run(mounts: ["/dev/vda2 / ext4 ro,relatime,errors=remount-ro 0 0"])
        #expect(output == "\(BuildVMPowerOff.readOnlyMarker)\n")
    }

    /// A real filesystem: clean as made; then each state an unmount would not leave.
    @Test(
        arguments: [
            ("", nil),
            ("ssv state 0", "its root filesystem was not cleanly unmounted or has errors"),
            ("ssv state 3", "its root filesystem was not cleanly unmounted or has errors"),
            ("feature needs_recovery", "its root filesystem was not cleanly unmounted or has errors"),
            ("ssv last_orphan 12", "its root filesystem has orphan inodes to clean up"),
            ("magic", "its root partition holds no ext4 filesystem")
        ] as [(String, String?)])
    func theRootSuperblockMustSayUnmountedCleanly(change: String, problem: String?) throws {
        let folder = try BuildVMAccessTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let image = folder + "/root.ext4"
        try Shell.check("mkfs.ext4 -q -F \(Shell.quoted(image)) 16M")
        if change == "magic" {
            try Shell.check("printf '\\000\\000' | dd of=\(Shell.quoted(image)) bs=1 seek=1080 conv=notrunc 2>&1")
        } else if !change.isEmpty {
            try Shell.check("debugfs -w -R \(Shell.quoted(change)) \(Shell.quoted(image)) 2>&1")
        }
        let superblock = try FileBytes.prefix(image, count: 1024, offset: 1024)
        #expect(BuildVMPowerOff.rootProblem(superblock: superblock) == problem)
    }
}
