import Foundation
import Glibc
import KilnSpec

/// `run.verifyReproducible: true`: the execution builds twice and fails, listing the files that differ, when the two
/// raw disks are not bit-identical. The twin makes only the raw disk (no conversions, no boot), in its own work
/// folder, and is removed either way.
extension QemuImageBuilder {
    func buildTwiceAndCompare(
        _ request: BuildRequest, progress: @escaping @Sendable (BuildProgress) -> Void
    ) async throws(BuildError) -> [BuiltImage] {
        var single = request
        single.spec.verifyReproducible = false
        var twin = single
        twin.spec.conversionFormats = []
        twin.spec.compress = "none"
        twin.spec.verifyBoot = false
        twin.workDirectory = request.workDirectory + "-twin"
        twin.artifactDirectory = request.workDirectory + "-twin-out"
        defer {
            try? FileSystem.removeTree(twin.artifactDirectory)
            try? FileSystem.removeTree(request.workDirectory + "-diff")
        }
        let log = try BuildLog(path: request.logPath)
        await log.write(
            "kiln", "run.verifyReproducible: building a twin first, then the execution, and comparing their raw disks")
        let twinImages = try await buildOnce(twin) { _ in }
        let images = try await buildOnce(single, progress: progress)
        guard let first = twinImages.first(where: { $0.format == "raw" }),
            let second = images.first(where: { $0.format == "raw" })
        else {
            return images
        }
        if first.sha256 == second.sha256 {
            await log.write("kiln", "reproducible: both builds made raw disks of sha256:\(second.sha256)")
            return images
        }
        let files = (try? await differingFiles(first.path, second.path, scratch: request.workDirectory + "-diff")) ?? []
        for image in images { try? FileSystem.removeTree(image.path) }
        for file in (try? FileManager.default.contentsOfDirectory(atPath: request.artifactDirectory)) ?? [] {
            try? FileSystem.removeTree(request.artifactDirectory + "/" + file)
        }
        try? FileSystem.removeTree(request.artifactDirectory)
        let error = BuildError.notReproducible(first: first.sha256, second: second.sha256, files: files)
        await log.write("kiln", "failed: \(error)")
        throw error
    }

    /// The paths whose type, mode, owner, size, content, link target or modification time differ between the root
    /// filesystems of two raw disks (each copied out with debugfs), at most 50; a line for the boot partition when
    /// the bytes before the root partition differ.
    func differingFiles(_ a: String, _ b: String, scratch: String) async throws(BuildError) -> [String] {
        let runner = ProcessRunner(environment: ["PATH": searchPath, "LC_ALL": "C"])
        let locator = ToolLocator(searchPath: searchPath)
        var out: [String] = []
        var trees: [String] = []
        var offsets: [UInt64] = []
        for (index, disk) in [a, b].enumerated() {
            var offset: UInt64 = 0
            if VerifyStep.partitionTableProblem(try FileBytes.prefix(disk, count: 1024)) == nil {
                var listing = runner
                listing.tailLines = 10_000
                let json = try await listing.runChecked(try locator.locate(.sfdisk), ["--json", disk]).tailText
                offset = BaseImageStep.rootPartitionOffset(sfdiskJSON: json) ?? 0
            }
            let tree = "\(scratch)/\(index)"
            try FileSystem.makeDirectories(tree, mode: 0o700)
            _ = try await runner.runChecked(
                try locator.locate(.debugfs), ["-R", "rdump / \(tree)", "\(disk)?offset=\(offset)"])
            trees.append(tree)
            offsets.append(offset)
        }
        if offsets[0] > 0, offsets[0] == offsets[1],
            try FileBytes.prefix(a, count: Int(offsets[0])) != FileBytes.prefix(b, count: Int(offsets[1]))
        {
            out.append("(the partition table or the EFI system partition)")
        }
        let left = Self.manifest(trees[0])
        let right = Self.manifest(trees[1])
        for path in Set(left.keys).union(right.keys).sorted() where left[path] != right[path] {
            out.append(path)
            if out.count >= 50 { break }
        }
        return out
    }

    /// Every path under `root` with what identifies its state: type, mode, owner, size, mtime (not for a symlink),
    /// link target, and content digest for regular files.
    static func manifest(_ root: String) -> [String: String] {
        var entries: [String: String] = [:]
        var folders = [""]
        while let folder = folders.popLast() {
            for name in RootFiles(root: root + folder).list("") {
                let path = folder + "/" + name
                var info = stat()
                guard lstat(root + path, &info) == 0 else { continue }
                let kind = info.st_mode & S_IFMT
                // debugfs rdump cannot set a symlink's times (it makes each link when it copies it out), so a link is
                // compared by its target, mode and owner alone.
                var text = "\(info.st_mode) \(info.st_uid):\(info.st_gid) \(info.st_size)"
                if kind != S_IFLNK { text += " \(info.st_mtim.tv_sec)" }
                if kind == S_IFDIR { folders.append(path) }
                if kind == S_IFLNK {
                    text += " -> " + ((try? FileManager.default.destinationOfSymbolicLink(atPath: root + path)) ?? "")
                }
                if kind == S_IFREG, let data = FileManager.default.contents(atPath: root + path) {
                    var hasher = StreamingHasher(.sha256)
                    data.withUnsafeBytes { hasher.update($0) }
                    text += " " + hasher.finalize()
                }
                entries[path] = text
            }
        }
        return entries
    }
}
