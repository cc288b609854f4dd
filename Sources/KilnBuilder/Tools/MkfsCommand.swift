/// `mkfs.ext4 -d`: an ext4 filesystem filled from a folder, with no mount and no root privileges needed.
enum MkfsCommand {
    /// ext4 keeps at most 16 bytes of label.
    static let maxLabelBytes = 16

    /// The image file must already exist with the disk's size (see ``FileSystem/createSparseFile(_:bytes:)``);
    /// the filesystem size is given in KiB so it is exact for every IEC size.
    static func arguments(rootfs: String, label: String, image: String, bytes: UInt64) -> [String] {
        ["-q", "-d", rootfs, "-L", label, image, "\(bytes / 1024)k"]
    }

    static func labelProblem(_ label: String) -> String? {
        if label.utf8.count > maxLabelBytes {
            return "disk.label \(label) has \(label.utf8.count) bytes; ext4 labels hold at most \(maxLabelBytes)"
        }
        return nil
    }

    static let version = ["-V"]
}
