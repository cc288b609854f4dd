import Glibc

/// `provisioner: ssh` on a base Image: the layer's disk is the raw copy of the base's disk, whose root filesystem
/// boots where it is, instead of a new filesystem made from a copy of all its files (`debugfs rdump` of the whole
/// tree, then `mkfs.ext4 -d`: most of the time a layer spent before its build VM booted).
///
/// Only `/etc`, `/boot` and `/var/lib/cloud` are read out (into the work folder's root filesystem copy), with empty stand-ins for the
/// few files elsewhere whose presence the checks before the boot look at (``probes``); Kiln's access and the clean
/// template's changes are made there as for any build, and ``TreeSnapshot`` writes exactly what changed back into the
/// filesystem with `debugfs -w`. The disk still gets the layer's own partition table, EFI system partition and
/// identifiers: the root filesystem is checked (`e2fsck -fp`), grown to the layer's root partition (`resize2fs`), and
/// given the layer's UUID and label (`tune2fs`). It needs the base's root partition where the layer's goes and no
/// larger than it, and a cleanly unmounted ext4; otherwise the layer is made from a full copy of the files as before.
struct InPlaceRoot: Sendable {
    /// The raw copy of the base's disk in the work folder; it becomes the layer's raw disk.
    var raw: String
    var rootOffset: UInt64
    var filesystemBytes: UInt64
    /// The root filesystem copy's files as read out, before any change.
    var snapshot: TreeSnapshot

    static let folders = ["etc", "boot"]
    /// Read out when there: what `isCloudInit` removes (cloud-init's state).
    static let optionalFolders = ["var/lib/cloud"]
    /// Files outside ``folders`` that the checks before the boot or the clean template look at.
    static let probes = [
        "usr/sbin/sshd", "usr/bin/cloud-init", "usr/lib/systemd/systemd-networkd", "lib/systemd/systemd-networkd",
        "usr/lib/systemd/system/systemd-networkd.service", "lib/systemd/system/systemd-networkd.service",
        "var/lib/dbus/machine-id", "var/lib/systemd/random-seed"
    ]

    /// The size in bytes of the ext4 filesystem whose superblock is `block` (the 1024 bytes 1024 bytes into it), or
    /// why it cannot be written in place.
    static func filesystemBytes(superblock block: [UInt8]) -> Result<UInt64, InPlaceRefusal> {
        guard block.count >= 1024 else { return .failure(.init("its root partition is shorter than a superblock")) }
        func u16(_ at: Int) -> UInt32 { UInt32(block[at]) | UInt32(block[at + 1]) << 8 }
        func u32(_ at: Int) -> UInt64 {
            var value: UInt64 = 0
            for index in 0..<4 { value |= UInt64(block[at + index]) << UInt64(8 * index) }
            return value
        }
        guard u16(0x38) == 0xEF53 else { return .failure(.init("its root partition holds no ext4 filesystem")) }
        let state = u16(0x3A)
        let incompatible = u32(0x60)
        guard state & 1 == 1, state & 2 == 0, incompatible & 0x4 == 0 else {
            return .failure(.init("its root filesystem was not cleanly unmounted or has errors"))
        }
        let logBlockSize = u32(0x18)
        guard logBlockSize <= 6 else { return .failure(.init("its root filesystem's block size is not ext4's")) }
        var blocks = u32(0x04)
        if incompatible & 0x80 != 0 { blocks |= u32(0x150) << 32 }
        return .success(blocks * (1024 << logBlockSize))
    }

    struct InPlaceRefusal: Error, Sendable, Hashable {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    /// Reads `/etc`, `/boot` and stand-ins for ``probes`` out of the filesystem at `device` (`file?offset=N`) into
    /// `rootfs`, in one debugfs session; returns how many stand-ins were made.
    static func readOut(
        device: String, into rootfs: String, debugfs: String, runner: ProcessRunner, scratch: String
    ) async throws(BuildError) -> Int {
        let probeFolders = Array(Set(probes.map(TreeSnapshot.folder(of:)))).sorted()
        for folder in optionalFolders {
            try FileSystem.makeDirectories(rootfs + "/" + TreeSnapshot.folder(of: folder), mode: 0o755)
        }
        let commands =
            folders.map { "rdump /\($0) \(rootfs)" }
            + optionalFolders.map { "rdump /\($0) \(rootfs)/\(TreeSnapshot.folder(of: $0))" }
            + probeFolders.map { "ls -p /\($0)" }
        try? FileSystem.removeTree(scratch)
        try FileSystem.writeNewFile(scratch, Array((commands.joined(separator: "\n") + "\n").utf8), mode: 0o600)
        defer { unlink(scratch) }
        var runner = runner
        runner.tailLines = Int.max
        let outcome = try await runner.runChecked(debugfs, ["-f", scratch, device])
        let root = RootFiles(root: rootfs)
        var made = 0
        var current = ""
        for line in outcome.tail {
            if line.hasPrefix("debugfs: ") {
                current = line.hasPrefix("debugfs: ls -p /") ? String(line.dropFirst("debugfs: ls -p /".count)) : ""
                continue
            }
            // /inode/mode/uid/gid/name/size/
            let fields = line.split(separator: "/", omittingEmptySubsequences: false)
            guard !current.isEmpty, fields.count >= 7, let mode = UInt32(fields[2], radix: 8),
                mode & 0o170000 == 0o100000, let uid = UInt32(fields[3]), let gid = UInt32(fields[4])
            else { continue }
            let relative = current + "/" + fields[5]
            guard probes.contains(relative), root.kind(relative) == nil,
                let path = try root.safePath(relative, createParents: true)
            else { continue }
            try FileSystem.writeNewFile(path, [], mode: mode_t(mode & 0o7777))
            chmod(path, mode_t(mode & 0o7777))
            chown(path, uid, gid)
            made += 1
        }
        for folder in folders where root.kind(folder) == nil {
            throw .sourceUnreadable(path: device, reason: "debugfs could not read /\(folder) out of it")
        }
        return made
    }

    /// Before the partition table is written: the base's copy becomes `image`, its first MiBs (the base's partition
    /// table and EFI system partition) and the base's backup partition table are cleared, and it takes the layer's
    /// size.
    func prepare(image: String, diskBytes: UInt64, runner: ProcessRunner, locator: ToolLocator) async throws(BuildError)
    {
        let baseBytes = UInt64(try FileSystem.size(raw))
        try FileSystem.move(raw, to: image)
        let fallocate = try locator.locate(.fallocate)
        _ = try await runner.runChecked(
            fallocate, ["--punch-hole", "--offset", "0", "--length", String(rootOffset), image])
        if baseBytes < diskBytes, baseBytes > rootOffset + filesystemBytes {
            let tail = max(rootOffset + filesystemBytes, baseBytes - DiskLayout.alignment)
            _ = try await runner.runChecked(
                fallocate, ["--punch-hole", "--offset", String(tail), "--length", String(baseBytes - tail), image])
        }
        guard truncate(image, off_t(diskBytes)) == 0 else {
            throw .fileSystem(operation: "sizing", path: image, reason: FileSystem.errorText())
        }
    }

    /// After the partition table and EFI system partition: checks the root filesystem, grows it to the root
    /// partition, gives it the layer's UUID and label, and writes the root filesystem copy's changes into it.
    func finish(
        image: String, layout: DiskLayout, label: String, rootfs: String, scratch: String, runner: ProcessRunner,
        locator: ToolLocator
    ) async throws(BuildError) -> (changed: Int, grown: Bool) {
        guard layout.rootOffset == rootOffset, layout.rootBytes >= filesystemBytes else {
            throw .unsupported(
                "the layer's root partition (\(layout.rootBytes) bytes at \(layout.rootOffset)) cannot hold its base's root filesystem (\(filesystemBytes) bytes at \(rootOffset)) in place"
            )
        }
        // Real times here: e2fsck's check time must not be older than the filesystem's last mount for tune2fs -U.
        var runner = runner
        runner.environment["E2FSPROGS_FAKE_TIME"] = nil
        let device = "\(image)?offset=\(layout.rootOffset)"
        let fsck = try await runner.run(try locator.locate(.e2fsck), ["-f", "-p", device])
        guard case .exited(let code) = fsck.status, code < 4 else {
            throw .toolFailed(
                tool: "e2fsck", status: fsck.status.description + " (the base's root filesystem has errors)",
                output: fsck.tailText)
        }
        let grown = layout.rootBytes / 4096 > filesystemBytes / 4096
        if grown {
            // resize2fs cuts a regular file down to the new filesystem's size, ignoring `?offset=`: it grows a file
            // of its own, copied back at the offset (only data either way; the rest of the partition is zeros).
            let file = scratch + ".ext4"
            try? FileSystem.removeTree(file)
            try FileSystem.createSparseFile(file, bytes: Int64(layout.rootBytes))
            defer { unlink(file) }
            try await OffThread.run { () throws(BuildError) in
                try SparseCopy.copyRange(image, offset: rootOffset, count: filesystemBytes, to: file, offset: 0)
            }
            _ = try await runner.runChecked(try locator.locate(.resize2fs), [file, "\(layout.rootBytes / 1024)K"])
            try await OffThread.run { () throws(BuildError) in
                try SparseCopy.copyRange(file, offset: 0, count: layout.rootBytes, to: image, offset: rootOffset)
            }
        }
        _ = try await runner.runChecked(
            try locator.locate(.tune2fs), ["-U", layout.rootFilesystemUUID, "-L", label, device])
        let (script, changed) = try snapshot.debugfsScript(to: try TreeSnapshot.take(rootfs), local: rootfs)
        if !script.isEmpty {
            try? FileSystem.removeTree(scratch)
            try FileSystem.writeNewFile(scratch, Array(script.utf8), mode: 0o600)
            defer { unlink(scratch) }
            var quiet = runner
            quiet.tailLines = 10_000
            let outcome = try await quiet.runChecked(try locator.locate(.debugfs), ["-w", "-f", scratch, device])
            // debugfs exits 0 whatever its commands did; its complaints are the lines that are not echoed commands.
            let complaints = outcome.tail.filter {
                !$0.isEmpty && !$0.hasPrefix("debugfs ") && !$0.hasPrefix("debugfs:")
                    && !$0.hasPrefix("Allocated inode:")
            }
            guard complaints.isEmpty else {
                throw .toolFailed(
                    tool: "debugfs", status: "writing the layer's changes", output: complaints.joined(separator: "\n"))
            }
        }
        return (changed, grown)
    }
}
