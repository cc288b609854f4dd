/// Unpacks the source archive into the root filesystem, after making sure it is an archive and not a disk image.
struct UnpackStep: BuildStep {
    func run(_ context: inout BuildContext) async throws(BuildError) {
        await context.enter(.unpacking)
        guard let archive = context.sourceArchive else { return }
        let size = try FileSystem.size(archive)
        let header = try FileBytes.prefix(archive, count: SourceSniffer.headerBytes)
        let trailer = size >= 512 ? try FileBytes.prefix(archive, count: 512, offset: size - 512) : []
        switch SourceSniffer.detect(header: header, trailer: trailer) {
        case .diskImage(let format, let backingFile):
            throw .diskImageSource(format: format, backingFile: backingFile)
        case .archive(let format):
            await context.log.write("Unpacking", "\(format) archive of \(size) bytes")
        case .unknown:
            await context.log.write("Unpacking", "no known magic number; trying libarchive's tar reader")
        }
        let limits = context.request.limits
        let expansion = ExpansionGuard(
            maxEntries: limits.maxArchiveEntries,
            maxBytes: min(limits.maxUnpackedBytes, Int64(clamping: context.request.spec.diskSize.bytes)),
            maxRatio: limits.maxCompressionRatio, ratioFloor: limits.ratioCheckFloor)
        let report = try await ArchiveExtractor.unpack(archive, into: context.work.rootfs, expansion: expansion)
        await context.log.write("Unpacking", "\(report.entries) entries, \(report.bytes) bytes unpacked")
        for (reason, count) in report.dropped.sorted(by: { $0.key < $1.key }) {
            await context.log.write("Unpacking", "\(count) × \(reason)")
        }
        if report.clearedSetID > 0 {
            await context.log.write("Unpacking", "cleared setuid/setgid bits of \(report.clearedSetID) files")
        }
    }
}
