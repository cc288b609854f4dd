import Crypto
import KilnSpec

/// Where everything goes on a disk that boots on its own: a GPT with an EFI system partition (FAT, holding the
/// kernel, the initrd and the boot loaders) and the root partition (ext4), both aligned to 1 MiB.
///
/// One layout serves every boot kind: UEFI firmware starts systemd-boot from the ESP; SeaBIOS runs syslinux's GPT
/// MBR code, which starts the partition marked "legacy BIOS bootable" (the ESP, where syslinux lives). `hybrid` has
/// both. Identifiers derive from a seed (the build's inputs hash), so the same inputs make the same disk.
public struct DiskLayout: Sendable, Hashable {
    public static let sectorSize: UInt64 = 512
    public static let alignment: UInt64 = 1 << 20
    /// GPT type of an EFI system partition.
    public static let espType = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
    /// GPT type of an x86-64 root partition (Discoverable Partitions Specification).
    public static let rootType = "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709"

    public var boot: DiskBoot
    public var diskBytes: UInt64
    public var espOffset: UInt64
    public var espBytes: UInt64
    public var rootOffset: UInt64
    public var rootBytes: UInt64
    public var diskGUID: String
    public var espPartUUID: String
    public var rootPartUUID: String
    /// The ext4 UUID and directory hash seed of the root filesystem.
    public var rootFilesystemUUID: String
    /// The FAT volume id of the ESP (8 hex digits).
    public var espVolumeID: String

    /// Lays out a disk of `diskBytes` whose ESP must hold `bootFileBytes` (kernel and initrd). Fails when the disk is
    /// too small to leave a root partition of at least 8 MiB.
    public static func plan(
        boot: DiskBoot, diskBytes: UInt64, bootFileBytes: UInt64, seed: String
    ) throws(BuildError) -> DiskLayout {
        // Room for the boot files twice over (a kernel update) and the loaders; FAT16 needs about 16 MiB at least.
        let espBytes = max(64 << 20, roundUp(bootFileBytes * 2 + (16 << 20), to: alignment))
        let espOffset = alignment
        let rootOffset = espOffset + espBytes
        // The backup GPT takes the last 33 sectors; keep the last MiB free so the root partition stays aligned.
        let end = (diskBytes / alignment) * alignment - alignment
        guard end > rootOffset, end - rootOffset >= 8 << 20 else {
            throw .unsupported(
                "disk.size \(IECSize(bytes: diskBytes)) is too small for a bootable disk: the EFI system partition needs \(IECSize(bytes: espBytes)) for the kernel and initrd, and the root partition at least 8 MiB more; raise disk.size"
            )
        }
        return DiskLayout(
            boot: boot, diskBytes: diskBytes, espOffset: espOffset, espBytes: espBytes, rootOffset: rootOffset,
            rootBytes: end - rootOffset, diskGUID: uuid(seed, "disk"), espPartUUID: uuid(seed, "esp"),
            rootPartUUID: uuid(seed, "root"), rootFilesystemUUID: uuid(seed, "root-fs"),
            espVolumeID: String(uuid(seed, "esp-fs").prefix(8)).uppercased())
    }

    /// The `sfdisk` script that writes this partition table.
    public var sfdiskScript: String {
        let sector = Self.sectorSize
        let biosFlag = boot.bootsUnderBIOS ? ", attrs=\"LegacyBIOSBootable\"" : ""
        return """
            label: gpt
            label-id: \(diskGUID)
            unit: sectors
            first-lba: \(espOffset / sector)
            last-lba: \((rootOffset + rootBytes) / sector - 1)

            start=\(espOffset / sector), size=\(espBytes / sector), type=\(Self.espType), uuid=\(espPartUUID), name="esp"\(biosFlag)
            start=\(rootOffset / sector), size=\(rootBytes / sector), type=\(Self.rootType), uuid=\(rootPartUUID), name="root"

            """
    }

    /// A version-4-shaped UUID from the seed and a purpose: stable for the same inputs, distinct per purpose.
    static func uuid(_ seed: String, _ purpose: String) -> String {
        var bytes = Array(SHA256.hash(data: Array("kiln:\(purpose):\(seed)".utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        let parts = [
            hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4),
            hex.dropFirst(20)
        ]
        return parts.joined(separator: "-")
    }

    static func roundUp(_ value: UInt64, to unit: UInt64) -> UInt64 {
        (value + unit - 1) / unit * unit
    }
}
