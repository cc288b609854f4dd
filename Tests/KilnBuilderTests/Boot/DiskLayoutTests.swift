import Foundation
import KilnSpec
import Testing

@testable import KilnBuilder

/// The partition layout, the boot loaders' configuration and the clean-template steps, as pure values and on a
/// folder: no disk, no qemu.
@Suite struct DiskLayoutTests {
    @Test func layoutIsAlignedAndDerivedFromTheSeed() throws {
        let layout = try DiskLayout.plan(boot: .hybrid, diskBytes: 2 << 30, bootFileBytes: 45 << 20, seed: "abc")
        #expect(layout.espOffset == 1 << 20)
        #expect(layout.espBytes == 106 << 20)  // 2 × 45 MiB + 16 MiB
        #expect(layout.rootOffset == 107 << 20)
        #expect(layout.rootOffset + layout.rootBytes == (2 << 30) - (1 << 20))
        #expect(layout.rootPartUUID != layout.espPartUUID)
        #expect(try DiskLayout.plan(boot: .hybrid, diskBytes: 2 << 30, bootFileBytes: 45 << 20, seed: "abc") == layout)
        #expect(
            try DiskLayout.plan(boot: .hybrid, diskBytes: 2 << 30, bootFileBytes: 45 << 20, seed: "abd").rootPartUUID
                != layout.rootPartUUID)
        #expect(
            layout.rootPartUUID.range(
                of: "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", options: .regularExpression
            ) != nil)
        #expect(layout.espVolumeID.count == 8)
    }

    @Test func sfdiskScript() throws {
        let layout = try DiskLayout.plan(boot: .bios, diskBytes: 256 << 20, bootFileBytes: 1 << 20, seed: "s")
        let lines = layout.sfdiskScript.split(separator: "\n").map(String.init)
        #expect(lines.contains("label: gpt"))
        #expect(lines.contains("first-lba: 2048"))
        #expect(
            lines.contains(
                "start=2048, size=131072, type=\(DiskLayout.espType), uuid=\(layout.espPartUUID), name=\"esp\", attrs=\"LegacyBIOSBootable\""
            ))
        #expect(
            lines.contains(
                "start=133120, size=389120, type=\(DiskLayout.rootType), uuid=\(layout.rootPartUUID), name=\"root\""))
        // UEFI alone needs no legacy flag.
        let uefi = try DiskLayout.plan(boot: .uefi, diskBytes: 256 << 20, bootFileBytes: 1 << 20, seed: "s")
        #expect(!uefi.sfdiskScript.contains("LegacyBIOSBootable"))
    }

    @Test func aDiskTooSmallForBothPartitionsIsRefused() {
        #expect(throws: BuildError.self) {
            try DiskLayout.plan(boot: .hybrid, diskBytes: 64 << 20, bootFileBytes: 40 << 20, seed: "s")
        }
    }

    @Test func bootConfiguration() throws {
        let layout = try DiskLayout.plan(boot: .hybrid, diskBytes: 1 << 30, bootFileBytes: 1 << 20, seed: "s")
        let config = BootConfiguration(
            layout: layout, extraCommandLine: " quiet ", hasInitrd: true, title: "web (Kiln)")
        #expect(
            config.kernelCommandLine
                == "root=PARTUUID=\(layout.rootPartUUID) ro rootwait console=tty0 console=ttyS0,115200 no_timer_check quiet"
        )
        #expect(
            config.loaderEntry
                == "title web (Kiln)\nlinux /vmlinuz\ninitrd /initrd.img\noptions \(config.kernelCommandLine)\n")
        #expect(config.syslinuxConf.contains("  APPEND \(config.kernelCommandLine)\n"))
        #expect(config.syslinuxConf.hasPrefix("SERIAL 0 115200\n"))
        #expect(config.loaderConf.contains("timeout 0"))
        #expect(config.fstab.contains("PARTUUID=\(layout.rootPartUUID) / ext4"))
        let bare = BootConfiguration(layout: layout, extraCommandLine: nil, hasInitrd: false, title: "t")
        #expect(!bare.loaderEntry.contains("initrd"))
        #expect(!bare.syslinuxConf.contains("INITRD"))
    }

    @Test(arguments: [
        ("6.1.0-9-amd64", "6.1.0-28-amd64", true), ("6.1.0-28-amd64", "6.1.0-9-amd64", false),
        ("5.10.0-1", "6.1.0-1", true)
    ])
    func kernelVersionsCompareAsNumbers(a: String, b: String, less: Bool) {
        #expect(KernelFiles.versionLess(a, b) == less)
    }

    @Test func cleanTemplateNeverFollowsASymlinkOut() throws {
        let root = NSTemporaryDirectory() + "kiln-tpl-\(UUID().uuidString)"
        let outside = NSTemporaryDirectory() + "kiln-outside-\(UUID().uuidString)"
        defer {
            try? FileManager.default.removeItem(atPath: root)
            try? FileManager.default.removeItem(atPath: outside)
        }
        let fm = FileManager.default
        try fm.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try fm.createDirectory(atPath: root + "/etc/ssh", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: root + "/usr/sbin", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: root + "/boot", withIntermediateDirectories: true)
        try "id\n".write(toFile: root + "/etc/machine-id", atomically: true, encoding: .utf8)
        try "key".write(toFile: root + "/etc/ssh/ssh_host_ed25519_key", atomically: true, encoding: .utf8)
        try "conf".write(toFile: root + "/etc/ssh/sshd_config", atomically: true, encoding: .utf8)
        try "sshd".write(toFile: root + "/usr/sbin/sshd", atomically: true, encoding: .utf8)
        // /etc/fstab is a symlink to a file outside: it is replaced, the outside file stays as it was.
        try "outside".write(toFile: outside + "/fstab", atomically: true, encoding: .utf8)
        try fm.createSymbolicLink(atPath: root + "/etc/fstab", withDestinationPath: outside + "/fstab")
        let done = try TemplateCleanup.apply(to: RootFiles(root: root), fstab: "PARTUUID=x / ext4 defaults 0 1\n")
        #expect(done.contains("wrote /etc/fstab"))
        #expect(try String(contentsOfFile: outside + "/fstab", encoding: .utf8) == "outside")
        #expect(try String(contentsOfFile: root + "/etc/fstab", encoding: .utf8).hasPrefix("PARTUUID=x"))
        #expect(try String(contentsOfFile: root + "/etc/machine-id", encoding: .utf8) == "")
        #expect(!fm.fileExists(atPath: root + "/etc/ssh/ssh_host_ed25519_key"))
        #expect(fm.fileExists(atPath: root + "/etc/ssh/sshd_config"))
        #expect(fm.fileExists(atPath: root + "/etc/systemd/system/\(TemplateCleanup.hostKeyUnit)"))
        #expect(
            try fm.destinationOfSymbolicLink(
                atPath: root + "/etc/systemd/system/multi-user.target.wants/\(TemplateCleanup.hostKeyUnit)")
                == "/etc/systemd/system/\(TemplateCleanup.hostKeyUnit)")

        // A parent folder that is a symlink out of the root is refused, not followed.
        try fm.removeItem(atPath: root + "/etc")
        try fm.createSymbolicLink(atPath: root + "/etc", withDestinationPath: outside)
        #expect(throws: BuildError.self) { try TemplateCleanup.apply(to: RootFiles(root: root), fstab: "x\n") }
        #expect(try String(contentsOfFile: outside + "/fstab", encoding: .utf8) == "outside")
    }

    @Test func qemuBootCommandLine() {
        let firmware = Firmware(kind: .bios, code: "/fw/bios.bin", variablesTemplate: nil)
        let arguments = BootCheck.arguments(
            disk: "/w/d.raw", firmware: firmware, variableStore: nil, accelerator: "tcg",
            memoryMiB: 512, console: "/w/c.log")
        #expect(
            arguments == [
                "-machine", "pc,accel=tcg", "-m", "512M", "-smp", "1", "-nodefaults", "-no-user-config",
                "-display", "none", "-no-reboot", "-serial", "file:/w/c.log",
                "-drive", "file=/w/d.raw,format=raw,if=virtio,snapshot=on", "-bios", "/fw/bios.bin"
            ])
        #expect(!arguments.contains("-kernel"))
    }

    @Test func consoleTextDropsEscapes() {
        #expect(
            BootCheck.cleaned("\u{1B}[0;32m  OK  \u{1B}[0m] Started\r\nvm login: ") == "  OK  ] Started\nvm login: ")
    }
}

/// isCloudInit: NoCloud for images that have cloud-init, a clear refusal for those that do not.
@Suite struct CloudInitTests {
    @Test func configuresNoCloudOrRefuses() throws {
        let root = NSTemporaryDirectory() + "kiln-ci-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/usr/bin", withIntermediateDirectories: true)
        do {
            _ = try CloudInit.configure(RootFiles(root: root))
            Issue.record("an image without cloud-init must be refused")
        } catch {
            #expect(error.description.contains("has no cloud-init"))
        }
        FileManager.default.createFile(atPath: root + "/usr/bin/cloud-init", contents: Data())
        try FileManager.default.createDirectory(
            atPath: root + "/var/lib/cloud/instance", withIntermediateDirectories: true)
        _ = try CloudInit.configure(RootFiles(root: root))
        #expect(
            try String(contentsOfFile: root + "/" + CloudInit.configFile, encoding: .utf8).contains(
                "datasource_list: [ NoCloud, None ]"))
        #expect(!FileManager.default.fileExists(atPath: root + "/var/lib/cloud"))
    }
}
