import Foundation
import Glibc
import KilnSpec

/// Starts a layered build from its base Image: checks the file against its recorded sha256, reads it as raw
/// (converted by `qemu-img` when it is not), finds the root partition (GPT: the x86-64 root type, else the largest)
/// and copies the root filesystem out with `debugfs rdump` at that offset: no mount, no loop device.
///
/// `rdump` restores owners after modes, which clears setuid and setgid bits; they are put back from a listing of
/// every folder. Device nodes are not copied (udev makes them at boot), nor extended attributes.
struct BaseImageStep: BuildStep {
    func run(_ context: inout BuildContext) async throws(BuildError) {
        guard case .image(let name) = context.request.spec.source else { return }
        guard let base = context.request.baseImage, base.name == name else {
            throw .sourceUnreadable(
                path: "Image \(name)",
                reason: "the base Image has no disk yet; it must be ACTIVE before a layer on it builds")
        }
        await context.log.write(
            "Fetching", "base Image \(name): \(base.path) (\(base.format), boot \(base.boot.rawValue))")
        // The base's sha256 is checked while it is converted and copied out (each on a thread of its own): what they
        // make stays in the work folder, which a mismatch fails before any later step reads it.
        let path = base.path
        let checksum = Task { await ChecksumStep.sha256(path) }
        do {
            try await copyOut(base, name: name, context: &context)
        } catch {
            _ = await checksum.value
            throw error
        }
        let sum = try await checksum.value.get()
        guard sum == base.sha256 else {
            throw .checksumMismatch(
                source: "base Image \(name) (\(base.path))", expected: "sha256:\(base.sha256)", actual: "sha256:\(sum)")
        }
    }

    private func copyOut(_ base: BaseImage, name: String, context: inout BuildContext) async throws(BuildError) {
        let spec = context.request.spec
        // A layer built over SSH boots a copy of the base's disk in place when it can (see InPlaceRoot); the copy is
        // made even of a raw base, which must stay as it is.
        let inPlaceCandidate = spec.provisioner == .ssh && !spec.orderedScripts.isEmpty
        let raw: String
        if base.format == "raw" && !inPlaceCandidate {
            raw = base.path
        } else {
            raw = context.work.root + "/base.raw"
            _ = try await context.runner.runChecked(
                context.tools.qemuImg, ["convert", "-q", "-f", base.format, "-O", "raw", base.path, raw])
        }
        await context.enter(.unpacking)
        if inPlaceCandidate {
            switch try await inPlace(raw, context: context) {
            case .success(let root):
                context.inPlaceRoot = root
                await context.log.write(
                    "Unpacking",
                    "the layer boots a copy of \(name)'s disk with its root filesystem in place (\(root.filesystemBytes) bytes at offset \(root.rootOffset)); /etc and /boot read out for the checks before the boot"
                )
                return
            case .failure(let refusal):
                await context.log.write(
                    "Unpacking",
                    "not booting \(name)'s root filesystem in place: \(refusal.reason); copying its files out")
                try FileSystem.removeTree(context.work.rootfs)
                try FileSystem.makeDirectories(context.work.rootfs, mode: 0o755)
            }
        }
        let offset = try await rootOffset(raw, context: context)
        let debugfs = try context.tools.locator.locate(.debugfs)
        let device = "\(raw)?offset=\(offset)"
        _ = try await context.runner.runChecked(debugfs, ["-R", "rdump / \(context.work.rootfs)", device])
        let restored = try await restoreSpecialModes(debugfs: debugfs, device: device, context: context)
        await context.log.write(
            "Unpacking",
            "root filesystem copied out of \(name) at offset \(offset) with debugfs; \(restored) setuid/setgid modes restored"
        )
        if raw != base.path { try? FileSystem.removeTree(raw) }
    }

    /// Whether the raw copy of the base can be the layer's disk with its root filesystem in place: it has a partition
    /// table, a cleanly unmounted ext4 root where the layer's root partition starts, no larger than it. On success the
    /// root filesystem copy holds `/etc`, `/boot` and the probes' stand-ins (see ``InPlaceRoot``).
    private func inPlace(
        _ raw: String, context: BuildContext
    ) async throws(BuildError) -> Result<InPlaceRoot, InPlaceRoot.InPlaceRefusal> {
        let spec = context.request.spec
        let offset = try await rootOffset(raw, context: context)
        guard offset > 0 else { return .failure(.init("its disk has no partition table")) }
        let superblock = try FileBytes.prefix(raw, count: 1024, offset: Int64(offset) + 1024)
        let bytes: UInt64
        switch InPlaceRoot.filesystemBytes(superblock: superblock) {
        case .success(let found): bytes = found
        case .failure(let refusal): return .failure(refusal)
        }
        let debugfs = try context.tools.locator.locate(.debugfs)
        let stand = try await InPlaceRoot.readOut(
            device: "\(raw)?offset=\(offset)", into: context.work.rootfs, debugfs: debugfs, runner: context.runner,
            scratch: context.work.root + "/debugfs-read")
        let root = RootFiles(root: context.work.rootfs)
        guard let kernel = KernelFiles.find(in: root), spec.resolvedBoot(hasKernel: true) != DiskBoot.none else {
            return .failure(.init("it has no kernel in /boot, or the layer's disk.boot is none"))
        }
        let bootBytes = UInt64((root.size(kernel.kernel) ?? 0) + (kernel.initrd.flatMap { root.size($0) } ?? 0))
        guard
            let layout = try? DiskLayout.plan(
                boot: spec.resolvedBoot(hasKernel: true), diskBytes: spec.diskSize.bytes, bootFileBytes: bootBytes,
                seed: context.request.seed)
        else { return .failure(.init("the layer's disk.size \(spec.diskSize) leaves no room for a root partition")) }
        guard layout.rootOffset == offset else {
            return .failure(
                .init("its root partition starts at \(offset), the layer's at \(layout.rootOffset)"))
        }
        guard layout.rootBytes >= bytes else {
            return .failure(
                .init(
                    "the layer's root partition (\(IECSize(bytes: layout.rootBytes)), from disk.size \(spec.diskSize)) is smaller than the base's root filesystem (\(IECSize(bytes: bytes)))"
                ))
        }
        await context.log.write(
            "Unpacking", "/etc and /boot read out with debugfs, \(stand) stand-ins for the files the checks look at")
        return .success(
            InPlaceRoot(
                raw: raw, rootOffset: offset, filesystemBytes: bytes,
                snapshot: try TreeSnapshot.take(context.work.rootfs)))
    }

    /// The byte offset of the root filesystem: 0 for a bare filesystem, else its GPT partition's start.
    private func rootOffset(_ raw: String, context: BuildContext) async throws(BuildError) -> UInt64 {
        let head = try FileBytes.prefix(raw, count: 1024)
        guard VerifyStep.partitionTableProblem(head) == nil else { return 0 }
        var runner = context.runner
        runner.tailLines = 10_000
        let outcome = try await runner.runChecked(try context.tools.locator.locate(.sfdisk), ["--json", raw])
        guard let offset = Self.rootPartitionOffset(sfdiskJSON: outcome.tailText) else {
            throw .sourceUnreadable(path: raw, reason: "its partition table has no Linux root partition")
        }
        return offset
    }

    /// From `sfdisk --json`: the x86-64 root partition's start in bytes, else the largest partition's.
    static func rootPartitionOffset(sfdiskJSON: String) -> UInt64? {
        guard let data = sfdiskJSON.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let table = object["partitiontable"] as? [String: Any],
            let partitions = table["partitions"] as? [[String: Any]], !partitions.isEmpty
        else { return nil }
        let sectorSize = (table["sectorsize"] as? Int).map(UInt64.init) ?? 512
        func start(_ p: [String: Any]) -> UInt64 { UInt64((p["start"] as? Int) ?? 0) * sectorSize }
        if let root = partitions.first(where: { ($0["type"] as? String)?.uppercased() == DiskLayout.rootType }) {
            return start(root)
        }
        let largest = partitions.max { ($0["size"] as? Int ?? 0) < ($1["size"] as? Int ?? 0) }
        return largest.map(start)
    }

    /// Lists every copied folder in one debugfs session and puts back the setuid/setgid bits `rdump` dropped.
    private func restoreSpecialModes(
        debugfs: String, device: String, context: BuildContext
    ) async throws(BuildError) -> Int {
        let root = context.work.rootfs
        var folders = ["/"]
        var index = 0
        while index < folders.count {
            let folder = folders[index]
            index += 1
            for name in RootFiles(root: root + folder).list("") where !name.contains(" ") && !name.contains("\"") {
                let path = (folder == "/" ? "" : folder) + "/" + name
                var info = stat()
                if lstat(root + path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR { folders.append(path) }
            }
        }
        let commands = folders.map { "ls -p \($0)" }.joined(separator: "\n") + "\n"
        let file = context.work.root + "/debugfs-ls"
        try FileSystem.writeNewFile(file, Array(commands.utf8), mode: 0o600)
        defer { unlink(file) }
        var runner = context.runner
        runner.tailLines = Int.max
        var current = "/"
        var restored = 0
        let outcome = try await runner.runChecked(debugfs, ["-f", file, device])
        for line in outcome.tail {
            if line.hasPrefix("debugfs: ls -p ") {
                current = String(line.dropFirst("debugfs: ls -p ".count))
                continue
            }
            // /inode/mode/uid/gid/name/size/
            let fields = line.split(separator: "/", omittingEmptySubsequences: false)
            guard fields.count >= 7, let mode = UInt32(fields[2], radix: 8), mode & 0o6000 != 0 else { continue }
            let name = fields[5]
            guard name != "." && name != ".." else { continue }
            let path = root + (current == "/" ? "" : current) + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) != S_IFLNK else { continue }
            if chmod(path, mode_t(mode & 0o7777)) == 0 { restored += 1 }
        }
        return restored
    }
}
