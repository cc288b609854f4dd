/// Compressor command lines: each replaces `file` with `file` + the compression's suffix.
enum CompressCommand {
    static func arguments(_ compression: Compression, file: String) -> [String] {
        switch compression {
        case .none: []
        case .gzip: ["-n", "-q", file]
        case .zstd: ["-q", "-T0", "--rm", file, "-o", file + compression.fileSuffix]
        }
    }
}
