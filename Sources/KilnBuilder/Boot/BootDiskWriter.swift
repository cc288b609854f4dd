import Glibc
import KilnSpec

/// Writes a disk that boots on its own into one raw file, with no mount and no loop device: `sfdisk` writes the
/// partition table into the file, `mkfs.vfat --offset` and `mtools` (`-i file@@offset`) make and fill the EFI system
/// partition in place, the `syslinux` (mtools) installer and syslinux's GPT MBR code make it boot under a BIOS,
/// systemd-boot's EFI program makes it boot under UEFI, and `mkfs.ext4 -d -E offset=` makes the root filesystem
/// from the folder straight at its partition's offset. Nothing is written twice and nothing needs root.
struct BootDiskWriter: Sendable {
    var runner: ProcessRunner
    var locator: ToolLocator
    var log: BuildLog
    /// Seconds since the epoch for every timestamp the tools write (the commit's time).
    var epoch: Int64

    struct Input: Sendable {
        var image: String
        var rootfs: String
        var staging: String
        var layout: DiskLayout
        var configuration: BootConfiguration
        var kernel: KernelFiles
        var label: String
        /// A layer whose root filesystem stays in place in a copy of its base's disk: no `mkfs.ext4 -d` from
        /// `rootfs`, whose changes are written into that filesystem instead.
        var inPlace: InPlaceRoot? = nil
    }

    func write(_ input: Input) async throws(BuildError) {
        let layout = input.layout
        let loaders = try BootLoaderFiles.locate(for: layout.boot)
        var runner = self.runner
        runner.environment["SOURCE_DATE_EPOCH"] = String(epoch)
        runner.environment["E2FSPROGS_FAKE_TIME"] = String(epoch)
        runner.environment["MTOOLS_SKIP_CHECK"] = "1"
        runner.environment["TZ"] = "UTC"

        if let inPlace = input.inPlace {
            try await inPlace.prepare(
                image: input.image, diskBytes: layout.diskBytes, runner: runner, locator: locator)
        } else {
            try FileSystem.createSparseFile(input.image, bytes: Int64(layout.diskBytes))
        }
        _ = try await runner.runChecked(
            try locator.locate(.sfdisk), ["--quiet", "--no-reread", "--no-tell-kernel", "--wipe", "never", input.image],
            input: Array(layout.sfdiskScript.utf8))

        // The EFI system partition: kernel, initrd, loaders and their configuration, staged with fixed times.
        try stageESP(input, loaders: loaders)
        let espSector = layout.espOffset / DiskLayout.sectorSize
        _ = try await runner.runChecked(
            try locator.locate(.mkfsVfat),
            [
                "--offset=\(espSector)", "--invariant", "-F", "32", "-s", "1", "-i", layout.espVolumeID, "-n",
                "KILN-ESP", input.image, String(layout.espBytes / 1024)
            ])
        let target = "\(input.image)@@\(layout.espOffset)"
        let entries = try RootFiles(root: input.staging).list("").map { "\(input.staging)/\($0)" }
        _ = try await runner.runChecked(
            try locator.locate(.mcopy), ["-i", target, "-s", "-m", "-Q", "-o"] + entries + ["::/"])
        if let mbr = loaders.gptMBR {
            _ = try await runner.runChecked(
                try locator.locate(.syslinux),
                ["--offset", String(layout.espOffset), "--directory", "/syslinux", "--install", input.image])
            try writeMBRCode(mbr, into: input.image)
        }
        await log.write(
            "Creating disk",
            "GPT: EFI system partition \(IECSize(bytes: layout.espBytes)) at \(layout.espOffset) (PARTUUID \(layout.espPartUUID)), root \(IECSize(bytes: layout.rootBytes)) at \(layout.rootOffset) (PARTUUID \(layout.rootPartUUID))"
        )

        if let inPlace = input.inPlace {
            let (changed, grown) = try await inPlace.finish(
                image: input.image, layout: layout, label: input.label, rootfs: input.rootfs,
                scratch: input.staging + "-changes", runner: runner, locator: locator)
            await log.write(
                "Creating disk",
                "root filesystem kept in place: checked, \(grown ? "grown to \(IECSize(bytes: layout.rootBytes)), " : "")UUID \(layout.rootFilesystemUUID), label \(input.label), \(changed) changed paths written into it"
            )
        } else {
            try await makeRootFilesystem(input, runner: runner)
        }
        let size = try FileSystem.size(input.image)
        guard size == Int64(layout.diskBytes) else {
            throw .outputInvalid(
                format: "raw", reason: "the disk is \(size) bytes after its root filesystem, not \(layout.diskBytes)")
        }
    }

    private func makeRootFilesystem(_ input: Input, runner: ProcessRunner) async throws(BuildError) {
        let layout = input.layout
        // The root filesystem, at its offset, with the UUID and hash seed derived from the inputs.
        let arguments = [
            "-q", "-F", "-d", input.rootfs, "-L", input.label, "-U", layout.rootFilesystemUUID,
            "-E", "offset=\(layout.rootOffset),hash_seed=\(layout.rootFilesystemUUID)", input.image,
            "\(layout.rootBytes / 1024)k"
        ]
        let outcome = try await runner.run(try locator.locate(.mkfsExt4), arguments)
        guard outcome.succeeded else {
            let hint = DiskStep.noSpaceHint(outcome.tail, image: input.image)
            throw .toolFailed(tool: "mkfs.ext4", status: outcome.status.description + hint, output: outcome.tailText)
        }
    }

    /// The ESP's files in a folder, every time set to `epoch` so the FAT image does not depend on when it was made.
    private func stageESP(_ input: Input, loaders: BootLoaderFiles) throws(BuildError) {
        let staging = RootFiles(root: input.staging)
        try FileSystem.makeDirectories(input.staging, mode: 0o700)
        let config = input.configuration
        guard let kernelPath = try RootFiles(root: input.rootfs).safePath(input.kernel.kernel) else {
            throw .fileSystem(operation: "reading", path: input.kernel.kernel, reason: "the kernel is gone")
        }
        try FileSystem.copyFile(kernelPath, to: "\(input.staging)/\(BootConfiguration.kernelFile)")
        if let initrd = input.kernel.initrd, let initrdPath = try RootFiles(root: input.rootfs).safePath(initrd) {
            try FileSystem.copyFile(initrdPath, to: "\(input.staging)/\(BootConfiguration.initrdFile)")
        }
        if let systemdBoot = loaders.systemdBoot {
            try staging.makeFolder("EFI/BOOT")
            try FileSystem.copyFile(systemdBoot, to: "\(input.staging)/EFI/BOOT/BOOTX64.EFI")
            try staging.write("loader/loader.conf", config.loaderConf)
            try staging.write("loader/entries/kiln.conf", config.loaderEntry)
        }
        if loaders.gptMBR != nil {
            try staging.write("syslinux/syslinux.cfg", config.syslinuxConf)
        }
        try Self.setTimes(input.staging, epoch: epoch)
    }

    /// Sets the access and modification times of a tree (symlinks themselves, never their targets).
    static func setTimes(_ path: String, epoch: Int64) throws(BuildError) {
        var times = [timespec(tv_sec: Int(epoch), tv_nsec: 0), timespec(tv_sec: Int(epoch), tv_nsec: 0)]
        var info = stat()
        guard lstat(path, &info) == 0 else {
            throw .fileSystem(operation: "reading", path: path, reason: FileSystem.errorText())
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            for name in RootFiles(root: path).list("") { try setTimes(path + "/" + name, epoch: epoch) }
        }
        guard utimensat(AT_FDCWD, path, &times, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw .fileSystem(operation: "setting the time of", path: path, reason: FileSystem.errorText())
        }
    }

    /// syslinux's GPT MBR code goes in the first 440 bytes, before the disk signature and the protective MBR's
    /// partition entry, which stay as sfdisk wrote them.
    private func writeMBRCode(_ file: String, into image: String) throws(BuildError) {
        let code = try FileBytes.read(file, limit: 4096)
        guard code.count >= 440 else {
            throw .outputInvalid(format: "raw", reason: "\(file) is \(code.count) bytes, not the 440 of MBR code")
        }
        let fd = open(image, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .fileSystem(operation: "opening", path: image, reason: FileSystem.errorText()) }
        defer { close(fd) }
        let written = code.prefix(440).withUnsafeBytes { pwrite(fd, $0.baseAddress, 440, 0) }
        guard written == 440 else {
            throw .fileSystem(operation: "writing the MBR code into", path: image, reason: FileSystem.errorText())
        }
    }
}
