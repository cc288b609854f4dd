import CArchive
import Glibc

/// Packs an OVA: a tar (ustar, as OVF requires) of the descriptor first, then the manifest, then the disk.
enum OvaWriter {
    private static let regularFile: UInt32 = 0o100000

    /// Writes `members` (name inside the tar, file on disk) in order into a new tar at `path`. Blocking.
    static func write(_ path: String, members: [(name: String, file: String)], modificationTime: Int) throws(BuildError)
    {
        guard let tar = archive_write_new() else { throw .archiveUnreadable("libarchive could not allocate a writer") }
        defer { archive_write_free(tar) }
        archive_write_set_format_pax_restricted(tar)
        archive_write_add_filter_none(tar)
        guard archive_write_open_filename(tar, path) == ARCHIVE_OK else {
            throw .fileSystem(operation: "creating", path: path, reason: message(tar))
        }
        for member in members {
            try append(member.name, from: member.file, to: tar, modificationTime: modificationTime, ova: path)
        }
        guard archive_write_close(tar) == ARCHIVE_OK else {
            throw .fileSystem(operation: "finishing", path: path, reason: message(tar))
        }
    }

    private static func append(
        _ name: String, from file: String, to tar: OpaquePointer, modificationTime: Int, ova: String
    )
        throws(BuildError)
    {
        let size = try FileSystem.size(file)
        guard let entry = archive_entry_new() else {
            throw .archiveUnreadable("libarchive could not allocate an entry")
        }
        defer { archive_entry_free(entry) }
        archive_entry_set_pathname(entry, name)
        archive_entry_set_size(entry, la_int64_t(size))
        archive_entry_set_filetype(entry, regularFile)
        archive_entry_set_perm(entry, 0o644)
        archive_entry_set_mtime(entry, time_t(modificationTime), 0)
        archive_entry_set_uname(entry, "root")
        archive_entry_set_gname(entry, "root")
        guard archive_write_header(tar, entry) == ARCHIVE_OK else {
            throw .fileSystem(operation: "adding \(name) to", path: ova, reason: message(tar))
        }
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .fileSystem(operation: "opening", path: file, reason: FileSystem.errorText()) }
        defer { close(fd) }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer, 1 << 20)
            if n == 0 { break }
            guard n > 0 else {
                if errno == EINTR { continue }
                throw .fileSystem(operation: "reading", path: file, reason: FileSystem.errorText())
            }
            guard archive_write_data(tar, buffer, n) == n else {
                throw .fileSystem(operation: "writing \(name) into", path: ova, reason: message(tar))
            }
        }
    }

    private static func message(_ archive: OpaquePointer) -> String {
        archive_error_string(archive).map { String(cString: $0) } ?? "unknown libarchive error"
    }
}
