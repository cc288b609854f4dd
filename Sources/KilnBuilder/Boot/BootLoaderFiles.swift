import Glibc
import KilnSpec

/// The boot loader binaries Kiln copies onto a disk, from Debian packages: systemd-boot's EFI program
/// (`systemd-boot-efi`) and syslinux's GPT MBR code (`syslinux-common`; the installer itself is `syslinux`).
struct BootLoaderFiles: Sendable, Hashable {
    var systemdBoot: String?
    var gptMBR: String?

    static let systemdBootPaths = ["/usr/lib/systemd/boot/efi/systemd-bootx64.efi"]
    static let gptMBRPaths = ["/usr/lib/syslinux/mbr/gptmbr.bin", "/usr/lib/SYSLINUX/gptmbr.bin"]

    /// The files `boot` needs; a missing one fails with the package to install.
    static func locate(for boot: DiskBoot, root: String = "") throws(BuildError) -> BootLoaderFiles {
        func first(_ paths: [String], package: String, what: String) throws(BuildError) -> String {
            for path in paths where access(root + path, R_OK) == 0 { return root + path }
            throw .toolMissing(tool: what, debianPackage: package, searchPath: paths.joined(separator: ":"))
        }
        return BootLoaderFiles(
            systemdBoot: boot.bootsUnderUEFI
                ? try first(systemdBootPaths, package: "systemd-boot-efi", what: "systemd-bootx64.efi") : nil,
            gptMBR: boot.bootsUnderBIOS ? try first(gptMBRPaths, package: "syslinux-common", what: "gptmbr.bin") : nil)
    }
}
