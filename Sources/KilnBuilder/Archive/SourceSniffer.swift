/// Tells archives from disk images by their first bytes (and the last 512, where a fixed VHD keeps its footer),
/// without any tool opening the file: `qemu-img` would follow a qcow2's backing file, which may name any host file.
enum SourceSniffer {
    enum Content: Sendable, Hashable {
        /// A compression or archive format libarchive is asked to read.
        case archive(String)
        /// A disk image, and the backing (parent) file its header names, if any.
        case diskImage(format: String, backingFile: String?)
        case unknown
    }

    /// Bytes to read from the start of a file: enough for an ISO 9660 descriptor and a qcow2 backing file name.
    static let headerBytes = 64 << 10

    static func detect(header h: [UInt8], trailer: [UInt8] = []) -> Content {
        if h.starts(with: [0x1F, 0x8B]) { return .archive("gzip") }
        if h.starts(with: Array("BZh".utf8)) { return .archive("bzip2") }
        if h.starts(with: [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) { return .archive("xz") }
        if h.starts(with: [0x28, 0xB5, 0x2F, 0xFD]) { return .archive("zstd") }
        if h.starts(with: [0x50, 0x4B, 0x03, 0x04]) || h.starts(with: [0x50, 0x4B, 0x05, 0x06]) {
            return .archive("zip")
        }
        if matches(h, at: 257, Array("ustar".utf8)) { return .archive("tar") }

        if h.starts(with: [0x51, 0x46, 0x49, 0xFB]) { return qcow(h) }
        if h.starts(with: [0x51, 0x45, 0x44, 0x00]) { return qed(h) }
        if h.starts(with: Array("KDMV".utf8)) || h.starts(with: Array("# Disk DescriptorFile".utf8)) {
            return .diskImage(format: "vmdk", backingFile: textField(h, "parentFileNameHint=\""))
        }
        if h.starts(with: Array("vhdxfile".utf8)) { return .diskImage(format: "vhdx", backingFile: nil) }
        if h.starts(with: Array("conectix".utf8)) { return vhd(footer: h) }
        if trailer.count == 512, trailer.starts(with: Array("conectix".utf8)) { return vhd(footer: trailer) }
        if matches(h, at: 0x40, [0x7F, 0x10, 0xDA, 0xBE]) { return .diskImage(format: "vdi", backingFile: nil) }
        if h.starts(with: [0x4C, 0x55, 0x4B, 0x53, 0xBA, 0xBE]) {
            return .diskImage(format: "LUKS-encrypted volume", backingFile: nil)
        }
        if h.starts(with: Array("hsqs".utf8)) { return .diskImage(format: "squashfs filesystem", backingFile: nil) }
        if matches(h, at: 0x8001, Array("CD001".utf8)) { return .diskImage(format: "ISO 9660", backingFile: nil) }
        if matches(h, at: 1080, [0x53, 0xEF]) { return .diskImage(format: "raw ext2/3/4 filesystem", backingFile: nil) }
        if matches(h, at: 512, Array("EFI PART".utf8)) { return .diskImage(format: "raw disk (GPT)", backingFile: nil) }
        if matches(h, at: 510, [0x55, 0xAA]) { return .diskImage(format: "raw disk (MBR)", backingFile: nil) }
        return .unknown
    }

    /// qcow and qcow2: `backing_file_offset` (u64) at 8 and `backing_file_size` (u32) at 16, big-endian.
    private static func qcow(_ h: [UInt8]) -> Content {
        let version = bigEndian(h, at: 4, bytes: 4)
        let format = version == 1 ? "qcow" : "qcow2"
        let offset = bigEndian(h, at: 8, bytes: 8)
        let size = bigEndian(h, at: 16, bytes: 4)
        guard offset != 0 else { return .diskImage(format: format, backingFile: nil) }
        return .diskImage(format: format, backingFile: name(h, offset: offset, size: size))
    }

    /// QED: `backing_filename_offset` (u32) at 56 and `backing_filename_size` (u32) at 60, little-endian.
    private static func qed(_ h: [UInt8]) -> Content {
        let offset = littleEndian(h, at: 56, bytes: 4)
        let size = littleEndian(h, at: 60, bytes: 4)
        guard offset != 0 else { return .diskImage(format: "qed", backingFile: nil) }
        return .diskImage(format: "qed", backingFile: name(h, offset: offset, size: size))
    }

    /// VHD footer: disk type (u32, big-endian) at 60; 4 is a differencing disk, which has a parent.
    private static func vhd(footer: [UInt8]) -> Content {
        let differencing = bigEndian(footer, at: 60, bytes: 4) == 4
        return .diskImage(format: "vhd", backingFile: differencing ? "a parent disk named in its header" : nil)
    }

    private static func name(_ h: [UInt8], offset: UInt64, size: UInt64) -> String {
        guard size > 0, size <= 4096, offset < UInt64(h.count), offset + size <= UInt64(h.count) else {
            return "named at byte \(offset) of the header"
        }
        return String(decoding: h[Int(offset)..<Int(offset + size)], as: UTF8.self)
    }

    private static func textField(_ h: [UInt8], _ key: String) -> String? {
        let needle = Array(key.utf8)
        guard h.count >= needle.count else { return nil }
        for start in 0...(h.count - needle.count)
        where h[start] == needle[0] && h[start..<start + needle.count].elementsEqual(needle) {
            let valueStart = start + needle.count
            guard let end = h[valueStart...].firstIndex(of: 0x22), end > valueStart else { return nil }
            return String(decoding: h[valueStart..<end], as: UTF8.self)
        }
        return nil
    }

    private static func matches(_ h: [UInt8], at offset: Int, _ magic: [UInt8]) -> Bool {
        h.count >= offset + magic.count && h[offset..<offset + magic.count].elementsEqual(magic)
    }

    private static func bigEndian(_ h: [UInt8], at offset: Int, bytes: Int) -> UInt64 {
        guard h.count >= offset + bytes else { return 0 }
        return h[offset..<offset + bytes].reduce(0) { $0 << 8 | UInt64($1) }
    }

    private static func littleEndian(_ h: [UInt8], at offset: Int, bytes: Int) -> UInt64 {
        guard h.count >= offset + bytes else { return 0 }
        return h[offset..<offset + bytes].reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }
}
