import KilnSpec

/// Makes Kiln-owned disks from what did not come out of its pipeline: an image URL (downloaded, verified, inspected,
/// converted) or a stopped VM's disk (flattened).
public protocol ImageImportDriver: Sendable {
    func importURL(_ url: String, checksum: Checksum, to output: String, work: String) async throws -> ImportedDisk
    func snapshot(overlay: String, to output: String) async throws -> ImportedDisk
}

/// A disk an ``ImageImportDriver`` made.
public struct ImportedDisk: Sendable, Hashable {
    public var path: String
    public var sha256: String
    public var boot: DiskBoot

    public init(path: String, sha256: String, boot: DiskBoot) {
        self.path = path
        self.sha256 = sha256
        self.boot = boot
    }
}
