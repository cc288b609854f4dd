/// The tools one execution needs, located before it starts: a missing tool fails the build before anything is
/// fetched or written.
struct ToolPaths: Sendable {
    /// For tools only some executions need (the boot loaders' and qemu's), located when they are needed.
    var locator: ToolLocator
    var qemuImg: String
    var mkfsExt4: String
    /// `prlimit` and `bwrap`, when the spec has scripts.
    var sandbox: (prlimit: String, bwrap: String)?
    /// `gzip` or `zstd`, when the spec compresses its outputs.
    var compressor: String?

    init(locator: ToolLocator, needsSandbox: Bool, compression: Compression) throws(BuildError) {
        self.locator = locator
        qemuImg = try locator.locate(.qemuImg)
        mkfsExt4 = try locator.locate(.mkfsExt4)
        sandbox = needsSandbox ? (try locator.locate(.prlimit), try locator.locate(.bwrap)) : nil
        compressor =
            switch compression {
            case .none: nil
            case .gzip: try locator.locate(.gzip)
            case .zstd: try locator.locate(.zstd)
            }
    }
}
