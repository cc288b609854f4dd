/// Judges a disk by its own bytes before any tool opens it: `qemu-img` follows what a header names (a backing file,
/// an external data file, VMDK extents), and a hostile image names host files (CVE-2022-47951, CVE-2024-32498,
/// CVE-2024-44082). Pure: header bytes in, a format or a refusal out.
public enum DiskHeaderCheck {
    public enum Verdict: Sendable, Hashable {
        case disk(DiskFormat)
        case refused(String)
        /// Not a disk image (an archive, a text file …): what it looks like.
        case notADisk(String)
    }

    /// Bytes to read from the start (enough for a qcow2 header and its extensions, a VMDK's embedded descriptor's
    /// pointer, MBR and GPT) and the last 512 (a fixed VHD's footer).
    public static let headerBytes = 64 << 10

    public static func judge(header h: [UInt8], trailer: [UInt8] = []) -> Verdict {
        switch SourceSniffer.detect(header: h, trailer: trailer) {
        case .archive(let kind):
            return .notADisk("a \(kind) archive")
        case .unknown:
            return .notADisk("no disk image format Kiln accepts (qcow2, vmdk, raw, vhd, vhdx)")
        case .diskImage(let format, let backing):
            if let backing { return .refused("it names a backing file (\(backing)): an image must be self-contained") }
            switch format {
            case "qcow2": return qcow2(h)
            case "vmdk": return vmdk(h)
            case "vhd": return .disk(.vhd)
            case "vhdx": return .disk(.vhdx)
            case "raw disk (GPT)", "raw disk (MBR)", "raw ext2/3/4 filesystem": return .disk(.raw)
            default: return .refused("it is a \(format), which Kiln does not accept (qcow2, vmdk, raw, vhd, vhdx)")
            }
        }
    }

    /// qcow2: version 3 headers carry incompatible feature bits at byte 72; bit 2 is an external data file, whose name
    /// (a header extension) could be any host file.
    static func qcow2(_ h: [UInt8]) -> Verdict {
        let version = bigEndian(h, 4, 4)
        if version >= 3 {
            let incompatible = bigEndian(h, 72, 8)
            if incompatible & 0b100 != 0 {
                return .refused(
                    "it keeps its data in an external data file (qcow2 data-file): an image must be self-contained")
            }
        }
        return .disk(.qcow2)
    }

    /// VMDK: only a binary sparse disk (`KDMV`) whose embedded descriptor names one sparse extent is accepted. A text
    /// descriptor, or one naming flat or further extent files, points qemu at other files.
    static func vmdk(_ h: [UInt8]) -> Verdict {
        guard h.starts(with: Array("KDMV".utf8)) else {
            return .refused(
                "it is a VMDK descriptor, which names its data in separate extent files; give a monolithic sparse or streamOptimized vmdk"
            )
        }
        let offset = Int(littleEndian(h, 28, 8)) * 512
        let size = Int(littleEndian(h, 36, 8)) * 512
        guard offset > 0, size > 0 else { return .disk(.vmdk) }
        guard offset + size <= h.count else {
            return .refused("its embedded descriptor lies beyond the first \(h.count) bytes")
        }
        let text = String(decoding: h[offset..<offset + size].prefix { $0 != 0 }, as: UTF8.self)
        let extents = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { $0.hasPrefix("RW ") || $0.hasPrefix("RDONLY ") || $0.hasPrefix("NOACCESS ") }
        if let createType = text.split(whereSeparator: \.isNewline).first(where: { $0.hasPrefix("createType") }),
            !(createType.contains("monolithicSparse") || createType.contains("streamOptimized"))
        {
            return .refused(
                "it is a \(createType.split(separator: "\"").dropFirst().first ?? "?") VMDK, whose data lives in other files"
            )
        }
        if extents.count > 1 {
            return .refused("its descriptor names \(extents.count) extents: \(extents.joined(separator: "; "))")
        }
        if let extent = extents.first, !extent.contains(" SPARSE ") {
            return .refused("its descriptor names a non-sparse extent (\(extent)), whose data lives in another file")
        }
        return .disk(.vmdk)
    }

    static func bigEndian(_ h: [UInt8], _ offset: Int, _ count: Int) -> UInt64 {
        guard h.count >= offset + count else { return 0 }
        return h[offset..<offset + count].reduce(0) { $0 << 8 | UInt64($1) }
    }

    static func littleEndian(_ h: [UInt8], _ offset: Int, _ count: Int) -> UInt64 {
        guard h.count >= offset + count else { return 0 }
        return h[offset..<offset + count].reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }
}
