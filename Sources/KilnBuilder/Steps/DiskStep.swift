import Foundation
import KilnSpec

/// Makes the raw disk from the root filesystem, after leaving it as a clean template. With `disk.boot: none` (or no
/// kernel in the root filesystem and no `disk.boot`) it is a bare ext4 filesystem of the spec's size and label, for
/// direct kernel boot; otherwise a partitioned disk that boots on its own (see ``BootDiskWriter``). No mount, no
/// loop device either way.
struct DiskStep: BuildStep {
    func run(_ context: inout BuildContext) async throws(BuildError) {
        await context.enter(.creatingDisk)
        let spec = context.request.spec
        let root = RootFiles(root: context.work.rootfs)
        let kernel = KernelFiles.find(in: root)
        let boot = spec.resolvedBoot(hasKernel: kernel != nil)
        context.boot = boot
        if spec.isCloudInit {
            for line in try CloudInit.configure(root) { await context.log.write("Creating disk", line) }
        }
        let image = "\(context.work.output)/\(context.request.outputName).\(ImageFormat.raw.diskExtension)"
        if boot == .none {
            for line in try TemplateCleanup.apply(to: root, fstab: nil) {
                await context.log.write("Creating disk", line)
            }
            try await bare(image, context: context)
        } else {
            guard let kernel else {
                throw .unsupported(
                    "disk.boot \(boot.rawValue) needs a kernel in the root filesystem, and /boot/vmlinuz-* is missing: install one (the Debian package linux-image-amd64) or set disk.boot: none"
                )
            }
            try await bootable(image, boot: boot, kernel: kernel, context: &context)
        }
        context.disks.append(StagedOutput(format: .raw, path: image))
        // Nothing reads the root filesystem's copy after this: remove it (tens of thousands of files for Debian, which
        // can take tens of seconds on a busy disk) beside the next steps instead of after them.
        let rootfs = context.work.rootfs
        let log = context.log
        context.rootfsRemoval = Task {
            do {
                try await OffThread.run { () throws(BuildError) in try FileSystem.removeTree(rootfs) }
            } catch {
                await log.write("kiln", "could not remove the root filesystem's copy: \(error)")
            }
        }
    }

    private func bare(_ image: String, context: BuildContext) async throws(BuildError) {
        let spec = context.request.spec
        try FileSystem.createSparseFile(image, bytes: Int64(clamping: spec.diskSize.bytes))
        let arguments = MkfsCommand.arguments(
            rootfs: context.work.rootfs, label: spec.diskLabel, image: image, bytes: spec.diskSize.bytes)
        var runner = context.runner
        let uuid = DiskLayout.uuid(context.request.seed, "root-fs")
        runner.environment["E2FSPROGS_FAKE_TIME"] = String(context.request.sourceDateEpoch)
        let paths = Reproducible.clampModificationTimes(context.work.rootfs, epoch: context.request.sourceDateEpoch)
        let outcome = try await runner.run(context.tools.mkfsExt4, ["-U", uuid, "-E", "hash_seed=\(uuid)"] + arguments)
        guard outcome.succeeded else {
            let hint = Self.noSpaceHint(outcome.tail, image: image)
            throw .toolFailed(tool: "mkfs.ext4", status: outcome.status.description + hint, output: outcome.tailText)
        }
        try await Self.fixTimes(image, paths: paths, context: context)
        await context.log.write(
            "Creating disk",
            "bare ext4 \(spec.diskSize) labelled \(spec.diskLabel) (boots only with a kernel given to qemu)")
    }

    /// Rewrites the change and access times mkfs.ext4 copied from the host (see ``Reproducible``).
    static func fixTimes(_ device: String, paths: [String], context: BuildContext) async throws(BuildError) {
        let epoch = context.request.sourceDateEpoch
        let (commands, skipped) = Reproducible.debugfsCommands(paths, epoch: epoch)
        let file = context.work.root + "/debugfs-times"
        try? FileSystem.removeTree(file)
        try FileSystem.writeNewFile(file, Array(commands.utf8), mode: 0o600)
        var runner = context.runner
        runner.tailLines = 5
        // debugfs stamps the superblock's last write time when it closes the filesystem.
        runner.environment["E2FSPROGS_FAKE_TIME"] = String(epoch)
        _ = try await runner.runChecked(try context.tools.locator.locate(.debugfs), ["-w", "-f", file, device])
        try? FileSystem.removeTree(file)
        await context.log.write(
            "Creating disk",
            "\(paths.count) inodes' times set to \(epoch) (SOURCE_DATE_EPOCH)"
                + (skipped > 0 ? "; \(skipped) paths debugfs cannot name kept theirs" : ""))
    }

    private func bootable(
        _ image: String, boot: DiskBoot, kernel: KernelFiles, context: inout BuildContext
    ) async throws(BuildError) {
        let spec = context.request.spec
        let root = RootFiles(root: context.work.rootfs)
        let bootBytes = UInt64((root.size(kernel.kernel) ?? 0) + (kernel.initrd.flatMap { root.size($0) } ?? 0))
        let layout = try DiskLayout.plan(
            boot: boot, diskBytes: spec.diskSize.bytes, bootFileBytes: bootBytes, seed: context.request.seed)
        let configuration = BootConfiguration(
            layout: layout, extraCommandLine: spec.kernelCommandLine, hasInitrd: kernel.initrd != nil,
            title: "\(context.request.buildName) (Kiln)")
        for line in try TemplateCleanup.apply(to: root, fstab: configuration.fstab) {
            await context.log.write("Creating disk", line)
        }
        await context.log.write(
            "Creating disk",
            "\(boot.rawValue) disk of \(spec.diskSize), kernel \(kernel.version)\(kernel.initrd == nil ? " without an initrd" : ""), command line: \(configuration.kernelCommandLine)"
        )
        if context.buildVM != nil { startDecompressingBootFiles(kernel: kernel, context: &context) }
        let writer = BootDiskWriter(
            runner: context.runner, locator: context.tools.locator, log: context.log,
            epoch: context.request.sourceDateEpoch)
        let paths = Reproducible.clampModificationTimes(context.work.rootfs, epoch: context.request.sourceDateEpoch)
        try await writer.write(
            BootDiskWriter.Input(
                image: image, rootfs: context.work.rootfs, staging: context.work.root + "/esp", layout: layout,
                configuration: configuration, kernel: kernel, label: spec.diskLabel, inPlace: context.inPlaceRoot))
        // A build VM (`provisioner: ssh`) boots this disk and writes to it next: the times it leaves are its own.
        if context.buildVM == nil {
            try await Self.fixTimes("\(image)?offset=\(layout.rootOffset)", paths: paths, context: context)
        }
        context.layout = layout
        context.kernelCommandLine = configuration.kernelCommandLine
    }
}

extension DiskStep {
    /// A build VM boots this kernel and initrd next: under TCG decompressed (``BuildVMBootFiles``), which starts now,
    /// beside the disk's writing, from hard links (the root filesystem's copy is removed once the disk is written).
    /// SSHProvisionStep decompresses them itself when this could not start.
    func startDecompressingBootFiles(kernel: KernelFiles, context: inout BuildContext) {
        let root = RootFiles(root: context.work.rootfs)
        let folder = context.work.root + "/build-vm-boot"
        guard (try? FileSystem.makeDirectories(folder + "/in", mode: 0o700)) != nil,
            let kernelPath = try? root.safePath(kernel.kernel), link(kernelPath, folder + "/in/vmlinuz") == 0
        else { return }
        var initrd: String?
        if let name = kernel.initrd {
            guard let initrdPath = try? root.safePath(name), link(initrdPath, folder + "/in/initrd.img") == 0 else {
                return
            }
            initrd = folder + "/in/initrd.img"
        }
        let runner = context.runner
        let locator = context.tools.locator
        context.buildVMBootFiles = Task {
            await BuildVMBootFiles.prepare(
                kernel: folder + "/in/vmlinuz", initrd: initrd, folder: folder, runner: runner, locator: locator)
        }
    }

    /// What to say when mkfs.ext4 ran out of room: in the image (raise disk.size), or, when the file system holding the
    /// image has next to nothing free, in the data dir itself (a bigger disk.size would not help).
    static func noSpaceHint(_ tail: [String], image: String) -> String {
        guard tail.contains(where: { $0.contains("Could not allocate") || $0.contains("No space") }) else { return "" }
        var info = statvfs()
        let folder = (image as NSString).deletingLastPathComponent
        if statvfs(folder, &info) == 0, UInt64(info.f_bavail) * UInt64(info.f_frsize) < 1 << 20 {
            return " (the file system of \(folder) is full: free space in the data dir, then change run.token)"
        }
        return " (the root filesystem does not fit: raise disk.size)"
    }
}
