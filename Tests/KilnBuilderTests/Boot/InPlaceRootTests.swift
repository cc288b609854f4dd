import Foundation
import Glibc
import KilnSpec
import Testing

@testable import KilnBuilder

/// A layer over SSH boots a copy of its base's disk with the root filesystem in place: what it reads out, what it
/// writes back, and the disk it makes (the layer's own partitions, UUID and label; the base's files, setuid bits and
/// all; the clean template's changes). No boots here: the Debian end-to-end test's `web` layer boots one.
@Suite(.serialized) struct InPlaceRootTests {
    static let searchPath = QemuImageBuilder.searchPath(from: ProcessInfo.processInfo.environment["PATH"])
    static var runner: ProcessRunner { ProcessRunner(environment: ["PATH": searchPath, "LC_ALL": "C"]) }

    @Test func theSuperblockSaysWhetherAFilesystemCanStayInPlace() throws {
        let bed = try TestBed("superblock")
        defer { bed.remove() }
        try bed.makeInputs()
        let image = bed.inputs + "/fs.img"
        try Shell.check("truncate -s 32M \(image) && mkfs.ext4 -q -F \(image)")
        var block = Array(try Data(contentsOf: URL(fileURLWithPath: image))[1024..<2048])
        #expect(InPlaceRoot.filesystemBytes(superblock: block) == .success(32 << 20))

        var dirty = block
        dirty[0x3A] = 0
        #expect(InPlaceRoot.filesystemBytes(superblock: dirty).isFailure)
        var recovering = block
        recovering[0x60] |= 0x4
        #expect(InPlaceRoot.filesystemBytes(superblock: recovering).isFailure)
        block[0x38] = 0
        #expect(InPlaceRoot.filesystemBytes(superblock: block).isFailure)
        #expect(InPlaceRoot.filesystemBytes(superblock: Array(block.prefix(100))).isFailure)
    }

    @Test func aChangeDebugfsCannotNameIsRefused() throws {
        let bed = try TestBed("names")
        defer { bed.remove() }
        try bed.makeInputs()
        let before = try TreeSnapshot.take(bed.inputs)
        try Shell.check("mkdir -p '\(bed.inputs)/etc' && echo x > '\(bed.inputs)/etc/a b'")
        #expect(throws: BuildError.self) {
            try before.debugfsScript(to: try TreeSnapshot.take(bed.inputs), local: "/x")
        }
    }

    @Test func aLayerDiskKeepsItsBasesFilesystemInPlaceWithItsOwnIdentity() async throws {
        let bed = try TestBed("in-place")
        defer { bed.remove() }
        try bed.makeInputs()
        let tree = bed.inputs + "/tree"
        try Shell.check(
            """
            set -e
            mkdir -p \(tree)/etc/ssh \(tree)/boot \(tree)/usr/sbin \(tree)/usr/bin \(tree)/var/lib/systemd \(tree)/var/lib/dbus
            printf 'old fstab\\n' > \(tree)/etc/fstab
            printf '0123456789abcdef0123456789abcdef\\n' > \(tree)/etc/machine-id
            printf 'Include /etc/ssh/sshd_config.d/*.conf\\n' > \(tree)/etc/ssh/sshd_config
            printf 'secret\\n' > \(tree)/etc/ssh/ssh_host_ed25519_key
            printf 'base\\n' > \(tree)/etc/hostname
            head -c 1048576 /dev/urandom > \(tree)/boot/vmlinuz-6.1.0-9-amd64
            head -c 524288 /dev/urandom > \(tree)/boot/initrd.img-6.1.0-9-amd64
            printf 'the real sshd\\n' > \(tree)/usr/sbin/sshd && chmod 0755 \(tree)/usr/sbin/sshd
            cp /bin/busybox \(tree)/usr/bin/setuid-probe && chmod 4755 \(tree)/usr/bin/setuid-probe
            printf 'seed' > \(tree)/var/lib/systemd/random-seed
            ln -s /etc/machine-id \(tree)/var/lib/dbus/machine-id
            printf '#!/bin/sh\n' > \(tree)/usr/bin/cloud-init && chmod 0755 \(tree)/usr/bin/cloud-init
            mkdir -p \(tree)/var/lib/cloud/instances/i-1 && printf 'state' > \(tree)/var/lib/cloud/instances/i-1/obj.pkl
            ln -s /var/lib/cloud/instances/i-1 \(tree)/var/lib/cloud/instance
            """)
        let log = try BuildLog(path: bed.inputs + "/log")
        let locator = ToolLocator(searchPath: Self.searchPath)
        let writer = BootDiskWriter(runner: Self.runner, locator: locator, log: log, epoch: 1_700_000_000)
        let kernel = try #require(KernelFiles.find(in: RootFiles(root: tree)))
        let bootBytes = UInt64(1_048_576 + 524_288)

        // The base: an ordinary Kiln disk of 96 MiB.
        let baseLayout = try DiskLayout.plan(boot: .hybrid, diskBytes: 96 << 20, bootFileBytes: bootBytes, seed: "base")
        let base = bed.inputs + "/base.raw"
        try await writer.write(
            .init(
                image: base, rootfs: tree, staging: bed.inputs + "/base-esp", layout: baseLayout,
                configuration: .init(layout: baseLayout, extraCommandLine: nil, hasInitrd: true, title: "base"),
                kernel: kernel, label: "base"))

        // Read out what the checks need, then change it as SSHAccessStep and DiskStep do.
        let work = bed.inputs + "/work"
        let rootfs = work + "/rootfs"
        try Shell.check("mkdir -p \(rootfs) && cp --sparse=always \(base) \(work)/base.raw")
        let device = "\(work)/base.raw?offset=\(baseLayout.rootOffset)"
        let standIns = try await InPlaceRoot.readOut(
            device: device, into: rootfs, debugfs: try locator.locate(.debugfs), runner: Self.runner,
            scratch: work + "/read")
        #expect(standIns == 3, "sshd, cloud-init and random-seed; the dbus machine-id is a symlink")
        let root = RootFiles(root: rootfs)
        #expect(root.size("usr/sbin/sshd") == 0, "a stand-in, not the program")
        #expect(root.kind("usr/bin/setuid-probe") == nil, "only /etc, /boot and the probes are read out")
        #expect(try Shell.check("cat \(rootfs)/etc/hostname") == "base\n")
        #expect(try Shell.check("cat \(rootfs)/var/lib/cloud/instances/i-1/obj.pkl") == "state")
        let superblock = try FileBytes.prefix(
            "\(work)/base.raw", count: 1024, offset: Int64(baseLayout.rootOffset) + 1024)
        let bytes = try InPlaceRoot.filesystemBytes(superblock: superblock).get()
        #expect(bytes == baseLayout.rootBytes)
        let inPlace = InPlaceRoot(
            raw: work + "/base.raw", rootOffset: baseLayout.rootOffset, filesystemBytes: bytes,
            snapshot: try TreeSnapshot.take(rootfs))

        let layout = try DiskLayout.plan(boot: .hybrid, diskBytes: 160 << 20, bootFileBytes: bootBytes, seed: "layer")
        #expect(layout.rootOffset == baseLayout.rootOffset)
        let configuration = BootConfiguration(layout: layout, extraCommandLine: nil, hasInitrd: true, title: "layer")
        _ = try TemplateCleanup.apply(to: root, fstab: configuration.fstab)
        _ = try CloudInit.configure(root)
        try root.makeFolder("etc/ssh/kiln-build")
        try root.write("etc/ssh/kiln-build/authorized_keys", "ssh-ed25519 AAAA test\n", mode: 0o600)
        try root.remove("etc/hostname")

        let image = work + "/layer.raw"
        try await writer.write(
            .init(
                image: image, rootfs: rootfs, staging: work + "/esp", layout: layout, configuration: configuration,
                kernel: kernel, label: "layer", inPlace: inPlace))
        #expect(!FileManager.default.fileExists(atPath: work + "/base.raw"), "the base's copy became the layer's disk")
        #expect(try FileSystem.size(image) == 160 << 20)

        let partitions = try Shell.check("sfdisk --json \(image)")
        #expect(
            partitions.contains(layout.rootPartUUID.uppercased())
                && partitions.contains(layout.espPartUUID.uppercased()))
        #expect(!partitions.contains(baseLayout.rootPartUUID.uppercased()))
        let layerDevice = "\(image)?offset=\(layout.rootOffset)"
        let fsck = try Shell.run("e2fsck -fn \(Shell.quoted(layerDevice)) 2>&1")
        #expect(fsck.status == 0, "\(fsck.output)")
        let header = try Shell.check("dumpe2fs -h \(Shell.quoted(layerDevice)) 2>/dev/null")
        #expect(header.contains("Filesystem UUID:          \(layout.rootFilesystemUUID)"), "\(header)")
        #expect(header.contains("Filesystem volume name:   layer"), "\(header)")
        func field(_ name: String) -> UInt64? {
            header.split(separator: "\n").first { $0.hasPrefix(name + ":") }
                .flatMap { UInt64($0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces)) }
        }
        let blockSize = try #require(field("Block size"))
        #expect(field("Block count").map { $0 * blockSize } == layout.rootBytes, "grown: \(header)")

        #expect(try Ext4Image.cat(layerDevice, "/etc/fstab") == configuration.fstab)
        #expect(try Ext4Image.cat(layerDevice, "/etc/machine-id") == "")
        #expect(try !Ext4Image.exists(layerDevice, "/etc/ssh/ssh_host_ed25519_key"))
        #expect(try !Ext4Image.exists(layerDevice, "/etc/hostname"))
        #expect(try !Ext4Image.exists(layerDevice, "/var/lib/systemd/random-seed"))
        #expect(try Ext4Image.exists(layerDevice, "/boot/efi"))
        #expect(try Ext4Image.cat(layerDevice, "/etc/ssh/kiln-build/authorized_keys") == "ssh-ed25519 AAAA test\n")
        #expect(try Ext4Image.mode(layerDevice, "/etc/ssh/kiln-build/authorized_keys") == 0o600)
        #expect(
            try Ext4Image.cat(layerDevice, "/etc/systemd/system/\(TemplateCleanup.hostKeyUnit)")
                == TemplateCleanup.hostKeyUnitText)
        #expect(
            try Shell.check(
                "debugfs -R 'stat /etc/systemd/system/multi-user.target.wants/\(TemplateCleanup.hostKeyUnit)' \(Shell.quoted(layerDevice)) 2>/dev/null"
            )
            .contains("Fast link dest: \"/etc/systemd/system/\(TemplateCleanup.hostKeyUnit)\""))
        #expect(
            try Ext4Image.cat(layerDevice, "/usr/sbin/sshd") == "the real sshd\n", "a stand-in is never written back")
        #expect(try Ext4Image.cat(layerDevice, "/usr/bin/cloud-init") == "#!/bin/sh\n")
        #expect(try !Ext4Image.exists(layerDevice, "/var/lib/cloud"), "cloud-init's state is removed")
        #expect(try Ext4Image.cat(layerDevice, "/" + CloudInit.configFile) == CloudInit.config)
        #expect(try Ext4Image.exists(layerDevice, "/var/lib/systemd"))
        #expect(try Ext4Image.mode(layerDevice, "/usr/bin/setuid-probe") == 0o4755)
        #expect(try Ext4Image.cat(layerDevice, "/etc/ssh/sshd_config") == "Include /etc/ssh/sshd_config.d/*.conf\n")
        let written = try String(contentsOfFile: bed.inputs + "/log", encoding: .utf8)
        #expect(written.contains("root filesystem kept in place: checked, grown to"), "\(written)")
    }
}

extension Result {
    fileprivate var isFailure: Bool {
        if case .failure = self { return true }
        return false
    }
}
