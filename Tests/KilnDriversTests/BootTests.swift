import Foundation
import KilnBuilder
import KilnCatalog
import KilnReconciler
import KilnSpec
import Testing

@testable import KilnDrivers

/// Small disks of each boot type, made without a mount: the first sectors written by hand, then converted to qcow2.
enum BootDisks {
    /// `hlt; jmp $-1`: boot code that parks the CPU, so a BIOS boot of it runs quietly.
    static let parkingCode: [UInt8] = [0xF4, 0xEB, 0xFD]

    static func bytes(_ boot: DiskBoot) -> [UInt8] {
        var b = [UInt8](repeating: 0, count: 64 << 10)
        func put(_ offset: Int, _ value: [UInt8]) { b.replaceSubrange(offset..<offset + value.count, with: value) }
        func le(_ value: Int, _ count: Int) -> [UInt8] { (0..<count).map { UInt8((value >> (8 * $0)) & 0xFF) } }
        switch boot {
        case .none:
            put(1080, [0x53, 0xEF])  // an ext4 superblock's magic
        case .bios:
            put(0, parkingCode)
            put(510, [0x55, 0xAA])
        case .uefi, .hybrid:
            if boot == .hybrid { put(0, parkingCode) }
            put(510, [0x55, 0xAA])
            put(512, Array("EFI PART".utf8))
            put(512 + 72, le(2, 8))  // entries start at LBA 2
            put(512 + 80, le(128, 4))  // 128 entries
            put(512 + 84, le(128, 4))  // of 128 bytes
            put(1024, DiskBootSniffer.efiSystemPartition)
        }
        return b
    }

    static func make(_ boot: DiskBoot, qcow2 path: String) async throws {
        let raw = path + ".raw"
        var disk = bytes(boot)
        disk += [UInt8](repeating: 0, count: (16 << 20) - disk.count)
        try Data(disk).write(to: URL(fileURLWithPath: raw))
        defer { try? FileManager.default.removeItem(atPath: raw) }
        try await Tool.run("qemu-img", ["convert", "-q", "-f", "raw", "-O", "qcow2", raw, path])
    }
}

@Suite("VM boot: how a disk boots, decided before anything starts")
struct BootTests {
    @Test(
        "the first sectors tell a bare filesystem, BIOS, UEFI and hybrid disks apart",
        arguments: [DiskBoot.none, .bios, .uefi, .hybrid])
    func sniff(_ boot: DiskBoot) {
        #expect(DiskBootSniffer.detect(BootDisks.bytes(boot)) == boot)
    }

    @Test("an empty or unreadable disk is a bare one")
    func empty() {
        #expect(DiskBootSniffer.detect([]) == .none)
        #expect(DiskBootSniffer.detect([UInt8](repeating: 0, count: 4096)) == .none)
    }

    /// Options whose firmware is looked for in an empty folder: a host without SeaBIOS or OVMF files.
    static func withoutFirmware(kernel: String? = nil) -> QemuVMDriver.Options {
        var options = QemuVMDriver.Options(kernel: kernel)
        options.firmwareRoot = "/nonexistent-kiln-firmware"
        return options
    }

    @Test("a bare filesystem boots the operator's kernel, or is refused naming the flags")
    func bare() throws {
        let kernel = try BootMethod.choose(for: .none, image: "busybox", options: .init(kernel: "/vmlinuz"))
        #expect(
            kernel == .kernel(kernel: "/vmlinuz", initrd: nil, append: "root=/dev/vda rw console=ttyS0 no_timer_check"))
        #expect {
            _ = try BootMethod.choose(for: .none, image: "busybox", options: .init())
        } throws: { error in
            let failure = error as? ActionFailure
            return failure?.reason == .unbootableImage && failure?.isTerminal == true
                && "\(error)"
                    == "image busybox is a bare filesystem with no boot loader: start Kiln with --vm-kernel/--vm-initrd, or build it with disk.boot"
        }
    }

    @Test(
        "a disk that boots on its own gets the builder's firmware, even when a kernel is configured",
        .enabled(if: (try? Firmware.locate(.uefi)) != nil, "needs Debian's ovmf"))
    func firmware() throws {
        #expect(try BootMethod.choose(for: .bios, image: "d", options: .init(kernel: "/vmlinuz")) == .firmware(.bios))
        #expect(try BootMethod.choose(for: .uefi, image: "d", options: .init()) == .firmware(.uefi))
        #expect(try BootMethod.choose(for: .hybrid, image: "d", options: .init()) == .firmware(.uefi))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-fw-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let arguments = try BootMethod.firmware(.uefi).arguments(vmFolder: folder, options: .init())
        #expect(arguments.last == "if=pflash,format=raw,unit=1,file=\(folder)/OVMF_VARS.fd")
        #expect(FileManager.default.fileExists(atPath: "\(folder)/OVMF_VARS.fd"), "the VM's own variable store")
    }

    @Test("a UEFI image on a host without OVMF is refused at once, naming the package")
    func noOVMF() {
        #expect {
            _ = try BootMethod.choose(for: .uefi, image: "debian", options: Self.withoutFirmware())
        } throws: { error in
            (error as? ActionFailure)?.reason == .noFirmware
                && "\(error)".contains("image debian boots only under UEFI")
                && "\(error)".contains("apt-get install ovmf")
        }
    }

    @Test("a real driver refuses an unbootable disk at once and starts no qemu")
    func refusesAtOnce() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-boot-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await BootDisks.make(.none, qcow2: "\(folder)/bare.qcow2")
        let image = ImageRecord(
            name: "busybox", spec: .object([:]), specHash: "", contentHash: "", state: .active,
            path: "\(folder)/bare.qcow2", sha256: "x", format: "qcow2", revision: "r", file: "f", line: 1,
            createdAt: Date(), updatedAt: Date())
        var vm = VMRecord(
            name: "bare-\(getpid())", uuid: "u",
            spec: .object(["image": .string("busybox"), "memory": .string("64mib")]),
            specHash: "", contentHash: "", revision: "r", file: "f", line: 1, createdAt: Date(), updatedAt: Date())
        vm.imageName = "busybox"
        let driver = QemuVMDriver(options: .init(accel: .tcg))
        await #expect {
            _ = try await driver.provision(vm, image: image, directory: "\(folder)/vm", start: true)
        } throws: { error in
            (error as? ActionFailure)?.reason == .unbootableImage
        }
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/vm/qemu.pid"), "no qemu was started")
    }
}
