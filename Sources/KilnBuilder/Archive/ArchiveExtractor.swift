import CArchive
import Glibc

/// Unpacks a root-filesystem archive (tar, tar.gz, tar.bz2, tar.xz, tar.zst, zip) through libarchive, entry by
/// entry: each one is judged by ``EntryPolicy``, written by libarchive's disk writer with its secure flags, and
/// counted by ``ExpansionGuard``. Blocking: run it with ``unpack(_:into:limits:)`` on a thread of its own.
struct ArchiveExtractor: Sendable {
    /// What was unpacked, for the log.
    struct Report: Sendable, Hashable {
        var entries = 0
        var bytes: Int64 = 0
        var dropped: [String: Int] = [:]
        var clearedSetID = 0
    }

    var expansion: ExpansionGuard
    var cancellation: CancellationFlag

    static let secureFlags: Int32 =
        ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT
        | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME

    private static let typeMask: UInt32 = 0o170000

    /// Unpacks `archive` into the folder `root` on a new thread whose working directory is `root`.
    static func unpack(
        _ archive: String, into root: String, expansion: ExpansionGuard
    ) async throws(BuildError) -> Report {
        let flag = CancellationFlag()
        let extractor = ArchiveExtractor(expansion: expansion, cancellation: flag)
        let result: Result<Report, BuildError> = await withTaskCancellationHandler {
            do throws(BuildError) {
                return .success(
                    try await OffThread.run { () throws(BuildError) in
                        try ThreadWorkingDirectory.enter(root)
                        var worker = extractor
                        return try worker.extract(archive)
                    })
            } catch {
                return .failure(error)
            }
        } onCancel: {
            flag.cancel()
        }
        return try result.get()
    }

    /// Extracts into the current working directory, which must be the root filesystem.
    mutating func extract(_ archivePath: String) throws(BuildError) -> Report {
        guard let reader = archive_read_new(), let writer = archive_write_disk_new() else {
            throw .archiveUnreadable("libarchive could not allocate a reader")
        }
        defer {
            archive_read_free(reader)
            archive_write_free(writer)
        }
        archive_read_support_filter_gzip(reader)
        archive_read_support_filter_bzip2(reader)
        archive_read_support_filter_xz(reader)
        archive_read_support_filter_zstd(reader)
        archive_read_support_format_tar(reader)
        archive_read_support_format_zip(reader)
        archive_write_disk_set_options(writer, Self.secureFlags)
        guard archive_read_open_filename(reader, archivePath, 1 << 16) == ARCHIVE_OK else {
            throw .notAnArchive(reason: Self.message(reader))
        }
        var report = Report()
        var entry: OpaquePointer?
        while true {
            if cancellation.isCancelled { throw .cancelled }
            let status = archive_read_next_header(reader, &entry)
            if status == ARCHIVE_EOF { break }
            guard status >= ARCHIVE_WARN, let entry else {
                throw report.entries == 0
                    ? .notAnArchive(reason: Self.message(reader))
                    : .archiveUnreadable(Self.message(reader))
            }
            if let problem = expansion.addEntry() { throw .archiveLimitExceeded(problem) }
            report.entries += 1
            let described = Self.describe(entry)
            switch EntryPolicy.decide(described) {
            case .refuse(let reason):
                throw .unsafeArchiveEntry(entry: described.path, reason: reason)
            case .skip(let reason):
                report.dropped[reason, default: 0] += 1
            case .extract(let path, let linkTarget, let mode, let clearedSetID):
                if clearedSetID { report.clearedSetID += 1 }
                archive_entry_set_pathname(entry, path)
                if let linkTarget { archive_entry_set_hardlink(entry, linkTarget) }
                if case .symlink = described.kind {} else { archive_entry_set_perm(entry, mode) }
                try write(entry, named: described.path, declaredSize: described.size, reader: reader, writer: writer)
            }
        }
        guard archive_write_close(writer) == ARCHIVE_OK else {
            throw .archiveUnreadable("finishing the unpacked tree failed: \(Self.message(writer))")
        }
        report.bytes = expansion.bytes
        return report
    }

    private mutating func write(
        _ entry: OpaquePointer, named name: String, declaredSize: Int64, reader: OpaquePointer, writer: OpaquePointer
    ) throws(BuildError) {
        if let problem = expansion.admits(declaredSize: declaredSize) { throw .archiveLimitExceeded(problem) }
        guard archive_write_header(writer, entry) >= ARCHIVE_WARN else {
            throw .unsafeArchiveEntry(entry: name, reason: Self.message(writer))
        }
        if archive_entry_size_is_set(entry) != 0 && archive_entry_size(entry) > 0 {
            var block: UnsafeRawPointer?
            var size = 0
            var offset: la_int64_t = 0
            var blocks = 0
            while true {
                let status = archive_read_data_block(reader, &block, &size, &offset)
                if status == ARCHIVE_EOF { break }
                guard status >= ARCHIVE_WARN else { throw .archiveUnreadable("entry \(name): \(Self.message(reader))") }
                if let problem = expansion.addBytes(Int64(size), compressedIn: archive_filter_bytes(reader, -1)) {
                    throw .archiveLimitExceeded(problem)
                }
                guard archive_write_data_block(writer, block, size, offset) >= ARCHIVE_WARN else {
                    throw .unsafeArchiveEntry(entry: name, reason: Self.message(writer))
                }
                blocks += 1
                if blocks % 64 == 0, cancellation.isCancelled { throw .cancelled }
            }
        }
        guard archive_write_finish_entry(writer) >= ARCHIVE_WARN else {
            throw .unsafeArchiveEntry(entry: name, reason: Self.message(writer))
        }
    }

    static func describe(_ entry: OpaquePointer) -> ArchiveEntry {
        let path = archive_entry_pathname(entry).map { String(cString: $0) } ?? ""
        let mode = UInt32(archive_entry_mode(entry))
        let kind: ArchiveEntry.Kind
        if let hardlink = archive_entry_hardlink(entry) {
            kind = .hardlink(target: String(cString: hardlink))
        } else {
            switch mode & typeMask {
            case 0o040000: kind = .directory
            case 0o120000: kind = .symlink(target: archive_entry_symlink(entry).map { String(cString: $0) } ?? "")
            case 0o020000: kind = .characterDevice
            case 0o060000: kind = .blockDevice
            case 0o010000: kind = .fifo
            case 0o140000: kind = .socket
            default: kind = .file
            }
        }
        let size = archive_entry_size_is_set(entry) != 0 ? Int64(archive_entry_size(entry)) : 0
        return ArchiveEntry(path: path, kind: kind, mode: mode & 0o7777, size: size)
    }

    private static func message(_ archive: OpaquePointer) -> String {
        archive_error_string(archive).map { String(cString: $0) } ?? "unknown libarchive error"
    }
}
