import Foundation
import KilnTestSupport
import Testing

@testable import KilnBuilder

/// The build VM's kernel and initrd decompressed on the host for a TCG boot: the header and note parsing on made-up
/// bytes, then this host's own Debian kernel and initrd decompressed and booted by qemu through the PVH entry.
@Suite(.serialized) struct BuildVMBootFilesTests {
    static let runner = ProcessRunner(environment: ["PATH": "/usr/bin:/bin"])
    static let locator = ToolLocator(searchPath: "/usr/bin:/bin")

    /// This host's newest kernel and its initrd (`.ci/install` installs linux-image-amd64).
    static func hostKernel() throws -> (kernel: String, initrd: String) {
        let names = try FileManager.default.contentsOfDirectory(atPath: "/boot")
        let version = try #require(
            names.filter { $0.hasPrefix("vmlinuz-") }.map { String($0.dropFirst("vmlinuz-".count)) }.max(),
            "no /boot/vmlinuz-* on this host: apt-get install linux-image-amd64")
        return ("/boot/vmlinuz-\(version)", "/boot/initrd.img-\(version)")
    }

    @Test func compressionIsToldByItsMagicNumber() {
        #expect(BuildVMBootFiles.compression(of: [0x1F, 0x8B, 8, 0]) == .gzip)
        #expect(BuildVMBootFiles.compression(of: [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00, 0]) == .xz)
        #expect(BuildVMBootFiles.compression(of: [0x28, 0xB5, 0x2F, 0xFD, 0]) == .zstd)
        #expect(BuildVMBootFiles.compression(of: Array("070701".utf8)) == nil, "an uncompressed cpio")
        #expect(BuildVMBootFiles.compression(of: [0x5D, 0, 0]) == nil, "lzma is not handled")
        #expect(BuildVMBootFiles.compression(of: []) == nil)
    }

    @Test func theBzImagePayloadIsFoundFromTheSetupHeader() {
        var head = [UInt8](repeating: 0, count: 1024)
        head[0x1F1] = 27
        head.replaceSubrange(0x202..<0x206, with: Array("HdrS".utf8))
        head[0x206] = 0x0F
        head[0x207] = 0x02
        head.replaceSubrange(0x248..<0x24C, with: [0x2C, 0x01, 0, 0])  // 300
        head.replaceSubrange(0x24C..<0x250, with: [0x00, 0x10, 0, 0])  // 4096
        let found = BuildVMBootFiles.payload(bzImageHeader: head)
        #expect(found?.offset == 28 * 512 + 300)
        #expect(found?.length == 4096)
        var zeroSetup = head
        zeroSetup[0x1F1] = 0
        #expect(BuildVMBootFiles.payload(bzImageHeader: zeroSetup)?.offset == 5 * 512 + 300, "0 means 4 sectors")
        var old = head
        old[0x206] = 0x07
        #expect(BuildVMBootFiles.payload(bzImageHeader: old) == nil, "boot protocol 2.07 has no payload fields")
        var notLinux = head
        notLinux[0x202] = 0
        #expect(BuildVMBootFiles.payload(bzImageHeader: notLinux) == nil)
        #expect(BuildVMBootFiles.payload(bzImageHeader: Array(head.prefix(0x240))) == nil)
    }

    @Test func thePVHNoteIsFoundAmongOtherNotes() {
        func note(_ name: [UInt8], type: UInt32, description: [UInt8]) -> [UInt8] {
            func le(_ value: Int) -> [UInt8] { (0..<4).map { UInt8((value >> (8 * $0)) & 0xFF) } }
            func padded(_ bytes: [UInt8]) -> [UInt8] { bytes + [UInt8](repeating: 0, count: (4 - bytes.count % 4) % 4) }
            return le(name.count) + le(description.count) + le(Int(type)) + padded(name) + padded(description)
        }
        let xen: [UInt8] = [0x58, 0x65, 0x6E, 0x00]
        let gnu = note(Array("GNU\0".utf8), type: 3, description: [UInt8](repeating: 7, count: 20))
        let version = note(xen, type: 6, description: Array("linux\0".utf8))
        let entry = note(xen, type: 18, description: [0x50, 0x08, 0x00, 0x01, 0, 0, 0, 0])
        #expect(BuildVMBootFiles.containsPVHNote(gnu + version + entry))
        #expect(!BuildVMBootFiles.containsPVHNote(gnu + version), "no PHYS32_ENTRY")
        #expect(!BuildVMBootFiles.containsPVHNote(note(Array("GNU\0".utf8), type: 18, description: [1, 2, 3, 4])))
        #expect(!BuildVMBootFiles.containsPVHNote(Array((gnu + entry).prefix(gnu.count + 14))), "cut short")
    }

    @Test func filesThatCannotBeDecompressedAreBootedAsTheyAre() async throws {
        let bed = try TestBed("boot-files-as-is")
        defer { bed.remove() }
        try Data("not a kernel".utf8).write(to: URL(fileURLWithPath: bed.root + "/vmlinuz"))
        try Data("070701 an uncompressed cpio".utf8).write(to: URL(fileURLWithPath: bed.root + "/initrd.img"))
        let boot = BuildVM.DirectBoot(
            kernel: bed.root + "/vmlinuz", initrd: bed.root + "/initrd.img", commandLine: "root=PARTUUID=x ro")
        let prepared = await BuildVMBootFiles.prepare(
            kernel: boot.kernel, initrd: boot.initrd, folder: bed.root + "/unpacked", runner: Self.runner,
            locator: Self.locator)
        #expect(prepared.applied(to: boot) == boot)
        #expect(
            prepared.notes == [
                "kernel booted as it is: not a bzImage",
                "initrd booted as it is: it does not start with a gzip, xz or zstd stream"
            ])

        // A gzip stream that is not a cpio archive, and a kernel whose decompressor is missing.
        try Shell.check("printf 'hello' | gzip -c > \(Shell.quoted(bed.root + "/initrd.img"))")
        let (kernel, _) = try Self.hostKernel()
        let noXZ = ToolLocator(searchPath: bed.root + "/no-tools")
        let missing = await BuildVMBootFiles.prepare(
            kernel: kernel, initrd: bed.root + "/initrd.img", folder: bed.root + "/unpacked", runner: Self.runner,
            locator: noXZ)
        #expect(missing.kernel == nil && missing.initrd == nil)
        #expect(missing.notes.count == 2)
        #expect(
            missing.notes.allSatisfy { $0.contains("booted as it is") && $0.contains("not found") }, "\(missing.notes)")
        let notCpio = await BuildVMBootFiles.prepare(
            kernel: bed.root + "/vmlinuz", initrd: bed.root + "/initrd.img", folder: bed.root + "/unpacked",
            runner: Self.runner, locator: Self.locator)
        #expect(notCpio.notes.last == "initrd booted as it is: decompressed, it is not a cpio archive")
        #expect(!FileManager.default.fileExists(atPath: bed.root + "/unpacked/initrd.cpio"))
    }

    /// This host's Debian kernel and initrd, decompressed, then booted by qemu under TCG through the kernel's PVH
    /// entry: the kernel prints its banner and unpacks the uncompressed initrd (it runs `/init` from it).
    @Test(
        .enabled(if: BuildVMProcessTests.qemuInstalled), .timeLimit(.minutes(10)))
    func theHostKernelDecompressedBootsThroughItsPVHEntry() async throws {
        let bed = try TestBed("boot-files-pvh")
        defer { bed.remove() }
        let (kernel, initrd) = try Self.hostKernel()
        let unpacked = await BuildVMBootFiles.prepare(
            kernel: kernel, initrd: initrd, folder: bed.root + "/unpacked", runner: Self.runner, locator: Self.locator)
        let prepared = (
            boot: unpacked.applied(
                to: BuildVM.DirectBoot(
                    kernel: kernel, initrd: initrd, commandLine: "console=ttyS0 panic=-1 no_timer_check")),
            notes: unpacked.notes
        )
        #expect(prepared.boot.kernel == bed.root + "/unpacked/vmlinux", "\(prepared.notes)")
        #expect(prepared.boot.initrd == bed.root + "/unpacked/initrd.cpio", "\(prepared.notes)")
        #expect(prepared.notes.first?.hasPrefix("kernel decompressed (") == true, "\(prepared.notes)")
        #expect(BuildVMBootFiles.hasPVHEntry(prepared.boot.kernel))
        #expect(!BuildVMBootFiles.hasPVHEntry(kernel), "the bzImage itself is no ELF image")
        #expect(try FileBytes.prefix(prepared.boot.initrd!, count: 5) == Array("07070".utf8))
        #expect(try FileSystem.size(prepared.boot.initrd!) > FileSystem.size(initrd))

        try Shell.check("truncate -s 16M \(Shell.quoted(bed.root + "/disk.raw"))")
        var configuration = BuildVM.Configuration(
            disk: bed.root + "/disk.raw", firmware: try Firmware.locate(.bios), variableStore: nil,
            accelerator: "tcg", memoryMiB: 512, network: false)
        configuration.directBoot = prepared.boot
        let vm = try BuildVM(
            configuration: configuration, qemu: "/usr/bin/qemu-system-x86_64", shell: "/bin/sh", folder: bed.root,
            runner: Self.runner)
        let console = vm.consolePath
        let ranInit = await BuildVMProcessTests.eventually(within: .seconds(480)) {
            let text = (try? String(contentsOfFile: console, encoding: .utf8)) ?? ""
            return text.contains("Run /init as init process") || text.contains("Kernel panic")
        }
        let text = (try? String(contentsOfFile: console, encoding: .utf8)) ?? ""
        let ended = await vm.ended
        await vm.stop()
        #expect(ranInit, "qemu: \(ended ?? "running"); console: \(text.suffix(2000))")
        #expect(text.contains("Linux version"), "the kernel started")
        #expect(text.contains("Run /init as init process"), "it ran /init from the uncompressed initrd")
        #expect(!text.contains("Initramfs unpacking failed"))
        #expect(Processes.running(containing: bed.root).isEmpty, "no qemu left")
    }
}
