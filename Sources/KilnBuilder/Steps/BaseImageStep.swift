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
        let raw: String
        if base.format == "raw" {
            raw = base.path
        } else {
            raw = context.work.root + "/base.raw"
            _ = try await context.runner.runChecked(
                context.tools.qemuImg, ["convert", "-q", "-f", base.format, "-O", "raw", base.path, raw])
        }
        await context.enter(.unpacking)
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
