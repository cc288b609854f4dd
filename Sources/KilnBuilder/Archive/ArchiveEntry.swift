/// What one archive entry says about itself, read from libarchive before anything is written.
struct ArchiveEntry: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        case file
        case directory
        case symlink(target: String)
        case hardlink(target: String)
        case characterDevice, blockDevice, fifo, socket
    }

    var path: String
    var kind: Kind
    /// Permission bits, including setuid (0o4000), setgid (0o2000) and sticky (0o1000).
    var mode: UInt32
    var size: Int64
}
