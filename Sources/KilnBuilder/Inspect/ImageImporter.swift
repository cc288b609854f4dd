import Foundation
import KilnSpec
import Subprocess
import SystemPackage

/// Brings a disk that did not come out of Kiln's own pipeline (an image URL, a package, a VM's snapshot) into a
/// Kiln-owned qcow2, inspected before any tool reads more than its header:
///
/// 1. fetched like build sources (caps, address checks on every redirect) and verified against its checksum;
/// 2. a package (tar, tar.gz, tar.bz2, zip, and an `.ova` inside) is unpacked by libarchive with the builder's safety
///    rules, and its one disk found by content; an OVA's descriptor may reference only files of the archive;
/// 3. the disk's header is judged (``DiskHeaderCheck``), then `qemu-img info -f FORMAT` runs under `prlimit` and its
///    answer is judged again (``QemuInfoCheck``);
/// 4. it is converted (`qemu-img convert -f FORMAT -O qcow2`, under `prlimit`) to the output, hashed, and its boot
///    type read from its first sectors.
public struct ImageImporter: Sendable {
    public struct Limits: Sendable, Hashable {
        /// Largest virtual size accepted (`--max-image-size`, 256 GiB by default).
        public var maxVirtualSize: UInt64 = 256 << 30
        public var build = BuildLimits()
        /// `prlimit` of `qemu-img info`: address space and CPU seconds.
        public var infoAddressSpace: Int64 = 2 << 30
        public var infoCPUSeconds = 60
        /// `prlimit` of `qemu-img convert`.
        public var convertAddressSpace: Int64 = 4 << 30
        public var convertCPUSeconds = 4 * 3600

        public init(maxVirtualSize: UInt64 = 256 << 30) { self.maxVirtualSize = maxVirtualSize }
    }

    public struct Imported: Sendable, Hashable {
        public var path: String
        public var sha256: String
        public var size: Int64
        /// The format the disk had before conversion.
        public var sourceFormat: DiskFormat
        public var boot: DiskBoot
        /// Where the disk was found (its name inside a package, or the download's name).
        public var foundAs: String
    }

    public var cacheDirectory: String
    public var limits: Limits

    public init(cacheDirectory: String, limits: Limits = Limits()) {
        self.cacheDirectory = cacheDirectory
        self.limits = limits
    }

    /// Imports the image at `url` into `output` (a qcow2), using `work` as scratch space (emptied afterwards).
    public func importURL(
        _ url: String, checksum: Checksum, to output: String, work: String
    ) async throws(ImageImportError) -> Imported {
        do throws(BuildError) {
            try FileSystem.makeDirectories(work)
        } catch { throw .failed(error) }
        defer { try? FileSystem.removeTree(work) }
        let downloaded: String
        do throws(BuildError) {
            let log = try BuildLog(path: "\(work)/import.log")
            let cache = SourceCache(directory: cacheDirectory)
            if let cached = try await cache.verifiedFile(for: checksum, log: log) {
                downloaded = cached
            } else {
                downloaded = try await cache.fetch(
                    url, checksum: checksum, downloader: HTTPDownloader(limits: limits.build), log: log)
            }
        } catch {
            if case .checksumMismatch(_, let expected, let actual) = error {
                throw .checksumMismatch(url: url, expected: expected, actual: actual)
            }
            throw .failed(error)
        }
        let name = URL(string: url)?.lastPathComponent ?? "download"
        let (disk, shownAs) = try await findDisk(downloaded, name: name, work: work)
        return try await inspectAndConvert(disk, shownAs: shownAs, to: output)
    }

    /// Flattens a VM's copy-on-write disk (the overlay plus the image it backs onto, both Kiln's own) into a new image
    /// at `output`, inspected like any other.
    public func flatten(overlay: String, to output: String) async throws(ImageImportError) -> Imported {
        let partial = output + ".partial"
        try? FileSystem.removeTree(partial)
        try makeParent(output)
        try await run(
            ["qemu-img", "convert", "-q", "-f", "qcow2", "-O", "qcow2", overlay, partial],
            addressSpace: limits.convertAddressSpace, cpuSeconds: limits.convertCPUSeconds)
        try await inspect(partial, format: .qcow2, shownAs: overlay)
        return try await finish(partial, output: output, sourceFormat: .qcow2, shownAs: overlay)
    }

    // MARK: steps

    /// The one disk of a download: the download itself, or the single disk inside a package.
    func findDisk(
        _ path: String, name: String, work: String
    ) async throws(ImageImportError) -> (path: String, shownAs: String) {
        let (header, trailer) = try read(path)
        switch DiskHeaderCheck.judge(header: header, trailer: trailer) {
        case .disk: return (path, name)
        case .refused(let reason): throw .refused(file: name, reason: reason)
        case .notADisk:
            guard case .archive = SourceSniffer.detect(header: header, trailer: trailer) else {
                throw .noDisk(package: name, found: ["\(name) (not a disk image or a package)"])
            }
        }
        let folder = "\(work)/package"
        try await unpack(path, into: folder)
        var disks: [(path: String, name: String)] = []
        var found: [String] = []
        var ovfs: [(path: String, name: String)] = []
        func scan(_ root: String, prefix: String, nested: Bool) async throws(ImageImportError) {
            for relative in files(under: root) {
                let full = "\(root)/\(relative)"
                let shown = prefix + relative
                if relative.lowercased().hasSuffix(".ovf") { ovfs.append((full, shown)) }
                let (h, t) = try read(full)
                switch DiskHeaderCheck.judge(header: h, trailer: t) {
                case .disk: disks.append((full, shown))
                case .refused(let reason): throw .refused(file: shown, reason: reason)
                case .notADisk(let what):
                    if !nested, relative.lowercased().hasSuffix(".ova") {
                        let inner = "\(work)/ova-\(disks.count + found.count)"
                        try await unpack(full, into: inner)
                        try await scan(inner, prefix: shown + "/", nested: true)
                    } else {
                        found.append("\(shown) (\(what))")
                    }
                }
            }
        }
        try await scan(folder, prefix: "", nested: false)
        for ovf in ovfs {
            let xml = (try? String(contentsOfFile: ovf.path, encoding: .utf8)) ?? ""
            let siblings = Set(
                (try? FileManager.default.contentsOfDirectory(atPath: (ovf.path as NSString).deletingLastPathComponent))
                    ?? [])
            let problems = OVFReferences.problems(xml, files: siblings)
            if !problems.isEmpty { throw .ovfOutside(ovf: ovf.name, references: problems) }
        }
        guard !disks.isEmpty else { throw .noDisk(package: name, found: found) }
        guard disks.count == 1 else { throw .severalDisks(package: name, disks: disks.map(\.name).sorted()) }
        return (disks[0].path, "\(name): \(disks[0].name)")
    }

    func inspectAndConvert(
        _ disk: String, shownAs: String, to output: String
    ) async throws(ImageImportError) -> Imported {
        let (header, trailer) = try read(disk)
        guard case .disk(let format) = DiskHeaderCheck.judge(header: header, trailer: trailer) else {
            throw .refused(file: shownAs, reason: "it is not a disk image Kiln accepts")
        }
        let name = (shownAs as NSString).lastPathComponent
        if let expected = DiskFormat.expected(fromName: name), expected != format {
            throw .refused(
                file: shownAs,
                reason: "it is a \(format.rawValue) image by content, not the \(expected.rawValue) its name says")
        }
        try await inspect(disk, format: format, shownAs: shownAs)
        let partial = output + ".partial"
        try? FileSystem.removeTree(partial)
        try makeParent(output)
        try await run(
            ["qemu-img", "convert", "-q", "-f", format.qemuFormat, "-O", "qcow2", disk, partial],
            addressSpace: limits.convertAddressSpace, cpuSeconds: limits.convertCPUSeconds)
        return try await finish(partial, output: output, sourceFormat: format, shownAs: shownAs)
    }

    /// `qemu-img info` with the format given, under `prlimit`, judged by ``QemuInfoCheck``.
    func inspect(_ path: String, format: DiskFormat, shownAs: String) async throws(ImageImportError) {
        let json = try await run(
            ["qemu-img", "info", "--output=json", "-f", format.qemuFormat, path],
            addressSpace: limits.infoAddressSpace, cpuSeconds: limits.infoCPUSeconds)
        if let problem = QemuInfoCheck.problem(json, format: format, maxVirtualSize: limits.maxVirtualSize) {
            throw .refused(file: shownAs, reason: problem)
        }
    }

    func finish(
        _ partial: String, output: String, sourceFormat: DiskFormat, shownAs: String
    ) async throws(ImageImportError) -> Imported {
        let sample = output + ".boot-sector"
        try? FileSystem.removeTree(sample)
        defer { try? FileSystem.removeTree(sample) }
        try await run(
            [
                "qemu-img", "dd", "-f", "qcow2", "-O", "raw", "bs=\(DiskBootSniffer.bytesNeeded)", "count=1",
                "if=\(partial)", "of=\(sample)"
            ], addressSpace: limits.infoAddressSpace, cpuSeconds: limits.infoCPUSeconds)
        let boot = DiskBootSniffer.detect(FileManager.default.contents(atPath: sample).map(Array.init) ?? [])
        do throws(BuildError) {
            let sha256 = try await FileChecksum.computeOffPool(.sha256, path: partial)
            let size = try FileSystem.size(partial)
            try FileSystem.move(partial, to: output)
            return Imported(
                path: output, sha256: sha256, size: size, sourceFormat: sourceFormat, boot: boot, foundAs: shownAs)
        } catch { throw .failed(error) }
    }

    // MARK: helpers

    func unpack(_ archive: String, into folder: String) async throws(ImageImportError) {
        do throws(BuildError) {
            try FileSystem.makeDirectories(folder)
            let build = limits.build
            _ = try await ArchiveExtractor.unpack(
                archive, into: folder,
                expansion: ExpansionGuard(
                    maxEntries: build.maxArchiveEntries, maxBytes: build.maxUnpackedBytes,
                    maxRatio: build.maxCompressionRatio,
                    ratioFloor: build.ratioCheckFloor))
        } catch { throw .failed(error) }
    }

    /// Regular files under `root` (relative paths, sorted); links are not followed.
    func files(under root: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        var out: [String] = []
        while let item = walker.nextObject() as? String {
            var info = stat()
            if lstat("\(root)/\(item)", &info) == 0, (info.st_mode & S_IFMT) == S_IFREG { out.append(item) }
        }
        return out.sorted()
    }

    func read(_ path: String) throws(ImageImportError) -> (header: [UInt8], trailer: [UInt8]) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .failed(.sourceUnreadable(path: path, reason: "cannot open it"))
        }
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: DiskHeaderCheck.headerBytes)).map(Array.init) ?? []
        let size = (try? handle.seekToEnd()) ?? 0
        var trailer: [UInt8] = []
        if size >= 512 {
            try? handle.seek(toOffset: size - 512)
            trailer = (try? handle.read(upToCount: 512)).map(Array.init) ?? []
        }
        return (header, trailer)
    }

    func makeParent(_ path: String) throws(ImageImportError) {
        do throws(BuildError) {
            try FileSystem.makeDirectories((path as NSString).deletingLastPathComponent)
        } catch { throw .failed(error) }
    }

    /// Runs a tool under `prlimit` (address space, CPU seconds) with a clean environment; returns its stdout.
    @discardableResult
    func run(_ arguments: [String], addressSpace: Int64, cpuSeconds: Int) async throws(ImageImportError) -> String {
        let full = ["--as=\(addressSpace)", "--cpu=\(cpuSeconds)", "--"] + arguments
        let result: ExecutionResult<Void, StringOutput<UTF8>, StringOutput<UTF8>>
        do {
            result = try await Subprocess.run(
                .name("prlimit"), arguments: Arguments(full),
                environment: .custom(["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]),
                output: .string(limit: 4 << 20), error: .string(limit: 1 << 20))
        } catch {
            throw .failed(
                .toolFailed(
                    tool: arguments[0], status: "could not be run", output: "\(error) (is util-linux installed?)"))
        }
        guard result.terminationStatus.isSuccess else {
            throw .failed(
                .toolFailed(
                    tool: arguments[0], status: "\(result.terminationStatus)",
                    output: (result.standardError ?? "").trimmingCharacters(in: .whitespacesAndNewlines)))
        }
        return result.standardOutput ?? ""
    }
}
