import Foundation
import KilnSpec
import KilnTestSupport
import Testing

@testable import KilnBuilder

/// Disks that boot on their own, made by the real tools and booted by real firmware under qemu (no `-kernel`).
///
/// Slow: three TCG boots of a small guest (busybox with this host's Debian kernel and initrd), about 15 s each here.
@Suite(.serialized) struct BootableDiskTests {
    /// A root-filesystem tarball: busybox, an init that prints a line, and this host's kernel and initrd in /boot.
    static func rootfsTarball(in folder: String) throws -> [UInt8] {
        let root = folder + "/tree"
        try Shell.check(
            """
            set -e
            mkdir -p \(root)/bin \(root)/sbin \(root)/boot \(root)/proc \(root)/sys \(root)/dev \(root)/etc
            cp /bin/busybox \(root)/bin/busybox
            for a in sh mount poweroff cat echo; do ln -s busybox \(root)/bin/$a; done
            printf '#!/bin/sh\\n/bin/mount -t proc proc /proc\\necho "KILN-GUEST-READY $(cat /proc/cmdline)"\\n/bin/poweroff -f\\n' > \(root)/sbin/init
            chmod 0755 \(root)/sbin/init
            k=$(ls /boot | grep '^vmlinuz-' | sort -V | tail -1); v=${k#vmlinuz-}
            cp /boot/vmlinuz-$v /boot/initrd.img-$v \(root)/boot/
            tar -C \(root) -cf \(folder)/rootfs.tar .
            """)
        return Array(try Data(contentsOf: URL(fileURLWithPath: folder + "/rootfs.tar")))
    }

    static func spec(boot: String, consoleContains: String, formats: String = "[qcow2]") -> ImageBuildSpec? {
        Specs.parse(
            """
            apiVersion: kiln.dev/v1
            kind: ImageBuild
            metadata: {name: bootable}
            spec:
              type: qemu
              source: {path: rootfs.tar}
              disk: {size: 192mib, boot: \(boot), kernelCommandLine: "kiln.test=1 panic=-1"}
              verify: {consoleContains: \(consoleContains), timeout: 5m}
              conversionFormats: \(formats)
            """
        ).spec
    }

    @Test func aHybridDiskBootsUnderSeaBIOSAndOVMF() async throws {
        let bed = try TestBed("bootable")
        defer { bed.remove() }
        try bed.makeInputs()
        let tarball = try Self.rootfsTarball(in: bed.inputs)
        let spec = try #require(
            Self.spec(boot: "hybrid", consoleContains: "KILN-GUEST-READY", formats: "[qcow2, vmdk]"))
        let seen = ProgressLog()
        let images: [BuiltImage]
        do {
            images = try await hostBuilder().build(
                bed.request(spec, files: MemoryFiles(bytes: ["rootfs.tar": tarball]))
            ) { seen.append($0) }
        } catch {
            Issue.record("build failed: \(error)\nlog:\n\(bed.log)")
            return
        }
        #expect(images.map(\.format) == ["raw", "qcow2", "vmdk"])
        #expect(images.allSatisfy { $0.boot == .hybrid })
        let log = bed.log
        #expect(log.contains("booted under SeaBIOS"), "\(log)")
        #expect(log.contains("booted under OVMF (UEFI)"), "\(log)")
        #expect(seen.all.map(\.statusMessage).contains("Verifying boot"))

        // The partition table and both filesystems, read from the raw file by offset, never mounted.
        let raw = try #require(images.first { $0.format == "raw" }).path
        let table = try Shell.check("sfdisk --json \(Shell.quoted(raw))")
        #expect(
            table.contains("C12A7328-F81F-11D2-BA4B-00A0C93EC93B") && table.contains("LegacyBIOSBootable"), "\(table)")
        let esp = try Shell.check(
            "MTOOLS_SKIP_CHECK=1 mdir -a -i \(Shell.quoted(raw))@@1048576 ::/ ::/EFI/BOOT ::/syslinux")
        #expect(esp.contains("BOOTX64  EFI") && esp.contains("vmlinuz") && esp.contains("ldlinux  sys"), "\(esp)")
        let rootOffset = try #require(
            Int(
                try Shell.check(
                    "sfdisk --json \(Shell.quoted(raw)) | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"partitiontable\"][\"partitions\"][1][\"start\"] * 512)'"
                ).trimmingCharacters(in: .whitespacesAndNewlines)))
        let fstab = try Shell.check(
            "dd if=\(Shell.quoted(raw)) of=\(bed.inputs)/root.ext4 bs=1M skip=\(rootOffset >> 20) status=none && debugfs -R 'cat /etc/fstab' \(bed.inputs)/root.ext4 2>/dev/null"
        )
        #expect(fstab.contains("PARTUUID="), "\(fstab)")
        // The qcow2 made from it boots too: checked on the raw; here it must at least hold the same partition table.
        let qcow2 = try #require(images.first { $0.format == "qcow2" }).path
        #expect(
            try Shell.check("qemu-img compare -f raw -F qcow2 \(Shell.quoted(raw)) \(Shell.quoted(qcow2))").contains(
                "identical"))
        #expect(!FileManager.default.fileExists(atPath: bed.workDirectory))
    }

    @Test func aDiskThatDoesNotBootAsAskedFailsWithTheConsoleTail() async throws {
        let bed = try TestBed("noboot")
        defer { bed.remove() }
        try bed.makeInputs()
        let tarball = try Self.rootfsTarball(in: bed.inputs)
        // The guest prints its line and powers off, never the one asked for: qemu ends and the build fails at once.
        let spec = try #require(Self.spec(boot: "bios", consoleContains: "NEVER-PRINTED"))
        do {
            _ = try await hostBuilder().build(bed.request(spec, files: MemoryFiles(bytes: ["rootfs.tar": tarball]))) {
                _ in
            }
            Issue.record("a disk that never shows its line must fail")
        } catch {
            guard case .bootFailed(let firmware, let reason, let tail) = error else {
                Issue.record("unexpected error: \(error)")
                return
            }
            #expect(firmware == "SeaBIOS")
            #expect(reason.contains("qemu ended"), "\(reason)")
            #expect(tail.count <= 50 && !tail.isEmpty)
            #expect(tail.contains { $0.contains("KILN-GUEST-READY") && $0.contains("kiln.test=1") }, "\(tail)")
            #expect(error.description.contains("Last \(tail.count) console lines"))
        }
        #expect(bed.nothingLeftBehind)
        #expect(bed.log.contains("[console]"))
    }
}
