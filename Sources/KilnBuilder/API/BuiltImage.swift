import KilnSpec

/// One verified output of an execution, registered in the catalog as a virtual image.
public struct BuiltImage: Sendable, Hashable {
    /// `<outputName>`: every format of one execution shares the name.
    public var name: String
    /// The spec's format name: `raw`, `qcow2`, `vmdk`, `vhd`, `vhdx` or `ovf` (an `.ova` holding a streamOptimized
    /// vmdk, its `.ovf` descriptor and `.mf` manifest).
    public var format: String
    /// `none`, `gzip` or `zstd`: how the file at `path` is compressed.
    public var compression: String
    /// Absolute path inside the request's `artifactDirectory`.
    public var path: String
    /// Size of the file at `path`, in bytes.
    public var size: Int64
    /// SHA-256 of the file at `path`, lower-case hex.
    public var sha256: String
    /// How the disk boots (the same for every format of one execution).
    public var boot: DiskBoot

    public init(
        name: String, format: String, compression: String, path: String, size: Int64, sha256: String,
        boot: DiskBoot = .none
    ) {
        self.boot = boot
        self.name = name
        self.format = format
        self.compression = compression
        self.path = path
        self.size = size
        self.sha256 = sha256
    }
}
