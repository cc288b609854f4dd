import KilnSpec

/// Tells how a disk boots from its first sectors, as the guest will see them (raw bytes, not a qcow2 container):
/// an ext2/3/4 superblock at 1 KiB is a bare filesystem; a GPT holding an EFI system partition boots under UEFI,
/// and also under BIOS when its protective MBR carries boot code; an MBR with boot code boots under BIOS. A pure
/// function, so the driver can decide before it starts anything, and a disk that cannot boot is refused at once.
public enum DiskBootSniffer {
    /// Bytes to read: the MBR, the GPT header and the first 128 partition entries.
    public static let bytesNeeded = 64 << 10

    public static let efiSystemPartition: [UInt8] = [
        0x28, 0x73, 0x2A, 0xC1, 0x1F, 0xF8, 0xD2, 0x11, 0xBA, 0x4B, 0x00, 0xA0, 0xC9, 0x3E, 0xC9, 0x3B
    ]

    public static func detect(_ bytes: [UInt8]) -> DiskBoot {
        let mbrSignature = bytes.count >= 512 && bytes[510] == 0x55 && bytes[511] == 0xAA
        // Boot code: the first 440 bytes of an MBR that something wrote (not all zero).
        let bootCode = mbrSignature && bytes[0..<440].contains { $0 != 0 }
        if bytes.count >= 1024 + 512, bytes[512..<520].elementsEqual(Array("EFI PART".utf8)) {
            let uefi = partitionTypes(bytes).contains(efiSystemPartition)
            // BIOS boot needs code in the protective MBR (GRUB's boot.img, syslinux's gptmbr.bin).
            let bios = bootCode
            switch (uefi, bios) {
            case (true, true): return .hybrid
            case (true, false): return .uefi
            case (false, true): return .bios
            case (false, false): return .none
            }
        }
        if bootCode { return .bios }
        return .none
    }

    /// The type GUIDs (on-disk byte order) of the GPT entries present in `bytes`.
    static func partitionTypes(_ bytes: [UInt8]) -> [[UInt8]] {
        func le(_ offset: Int, _ count: Int) -> Int {
            guard offset + count <= bytes.count else { return 0 }
            return bytes[offset..<offset + count].reversed().reduce(0) { $0 << 8 | Int($1) }
        }
        let start = le(512 + 72, 8) * 512
        let count = min(le(512 + 80, 4), 128)
        let size = le(512 + 84, 4)
        guard size >= 128 else { return [] }
        var types: [[UInt8]] = []
        for i in 0..<count {
            let offset = start + i * size
            guard offset + 16 <= bytes.count else { break }
            let type = Array(bytes[offset..<offset + 16])
            if type.contains(where: { $0 != 0 }) { types.append(type) }
        }
        return types
    }
}
