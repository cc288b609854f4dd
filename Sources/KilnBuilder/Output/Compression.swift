/// How outputs are compressed (UForge `compress`).
enum Compression: String, Sendable, CaseIterable {
    case none, gzip, zstd

    init(spec value: String) throws(BuildError) {
        guard let known = Compression(rawValue: value) else {
            throw .unsupported("compress \(value) is not supported; use none, gzip or zstd")
        }
        self = known
    }

    /// The suffix the compressor appends.
    var fileSuffix: String {
        switch self {
        case .none: ""
        case .gzip: ".gz"
        case .zstd: ".zst"
        }
    }
}
