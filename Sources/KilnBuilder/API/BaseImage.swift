import KilnSpec

/// The disk a layered build (`source.image`) starts from: an Image's current file as the catalog records it.
public struct BaseImage: Sendable, Hashable {
    public var name: String
    public var path: String
    /// `raw`, `qcow2`, `vmdk`, `vhd`, `vhdx`: what `qemu-img` reads it as.
    public var format: String
    /// What the catalog recorded: the file is checked against it before use.
    public var sha256: String
    public var boot: DiskBoot

    public init(name: String, path: String, format: String, sha256: String, boot: DiskBoot) {
        self.name = name
        self.path = path
        self.format = format
        self.sha256 = sha256
        self.boot = boot
    }
}
