import Foundation

/// The text files that make a disk boot: the kernel command line, systemd-boot's and syslinux's configuration,
/// and the root filesystem's fstab. Pure, so each is tested as text.
public struct BootConfiguration: Sendable, Hashable {
    public var layout: DiskLayout
    /// `disk.kernelCommandLine`, validated by the spec (printable, at most 1 KiB).
    public var extraCommandLine: String?
    /// Whether an initrd is on the ESP next to the kernel.
    public var hasInitrd: Bool
    public var title: String

    public init(layout: DiskLayout, extraCommandLine: String?, hasInitrd: Bool, title: String) {
        self.layout = layout
        self.extraCommandLine = extraCommandLine
        self.hasInitrd = hasInitrd
        self.title = title
    }

    /// Names of the boot files on the ESP.
    public static let kernelFile = "vmlinuz"
    public static let initrdFile = "initrd.img"

    /// Root by PARTUUID; the console on the screen and on the first serial port, the serial one last so that it is
    /// `/dev/console` (where systemd writes its status and a getty asks for a login). `no_timer_check`, as in
    /// Fedora's cloud images: a guest on a busy host (TCG above all) can miss the IO-APIC timer check and panic at
    /// boot ("IO-APIC + timer doesn't work"), which failed a boot verification here once; the check is useless in a VM.
    public var kernelCommandLine: String {
        var parts = [
            "root=PARTUUID=\(layout.rootPartUUID)", "ro", "rootwait", "console=tty0", "console=ttyS0,115200",
            "no_timer_check"
        ]
        if let extra = extraCommandLine?.trimmingCharacters(in: .whitespaces), !extra.isEmpty { parts.append(extra) }
        return parts.joined(separator: " ")
    }

    /// `/loader/loader.conf` of systemd-boot: boot the one entry at once.
    public var loaderConf: String {
        "default kiln.conf\ntimeout 0\nconsole-mode keep\neditor no\n"
    }

    /// `/loader/entries/kiln.conf` of systemd-boot.
    public var loaderEntry: String {
        var lines = ["title \(title)", "linux /\(Self.kernelFile)"]
        if hasInitrd { lines.append("initrd /\(Self.initrdFile)") }
        lines.append("options \(kernelCommandLine)")
        return lines.joined(separator: "\n") + "\n"
    }

    /// `/syslinux/syslinux.cfg`: no prompt, no menu, output on the serial port too.
    public var syslinuxConf: String {
        var lines = [
            "SERIAL 0 115200", "DEFAULT kiln", "PROMPT 0", "TIMEOUT 0", "LABEL kiln", "  LINUX /\(Self.kernelFile)"
        ]
        if hasInitrd { lines.append("  INITRD /\(Self.initrdFile)") }
        lines.append("  APPEND \(kernelCommandLine)")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The root filesystem's `/etc/fstab`: the root and the ESP by PARTUUID (the ESP with `nofail`, so a disk copied
    /// without it still boots).
    public var fstab: String {
        """
        # Written by Kiln: the root partition and the EFI system partition, by PARTUUID.
        PARTUUID=\(layout.rootPartUUID) / ext4 errors=remount-ro 0 1
        PARTUUID=\(layout.espPartUUID) /boot/efi vfat umask=0077,nofail 0 2

        """
    }
}
