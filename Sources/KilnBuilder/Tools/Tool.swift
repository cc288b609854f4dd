/// An external program the pipeline runs, and the Debian package that provides it.
enum Tool: String, CaseIterable, Sendable {
    case qemuImg = "qemu-img"
    case mkfsExt4 = "mkfs.ext4"
    case bwrap
    case prlimit
    case gzip
    case zstd
    case sfdisk
    case mkfsVfat = "mkfs.vfat"
    case mcopy
    case mmd
    case syslinux
    case qemuSystem = "qemu-system-x86_64"
    case mmdebstrap
    case debugfs
    case ssh
    case sshKeygen = "ssh-keygen"
    case sh
    case resize2fs
    case tune2fs
    case e2fsck
    case fallocate
    case unshare
    case xz

    var debianPackage: String {
        switch self {
        case .qemuImg: "qemu-utils"
        case .mkfsExt4: "e2fsprogs"
        case .bwrap: "bubblewrap"
        case .prlimit: "util-linux"
        case .gzip: "gzip"
        case .zstd: "zstd"
        case .sfdisk: "fdisk"
        case .mkfsVfat: "dosfstools"
        case .mcopy, .mmd: "mtools"
        case .syslinux: "syslinux"
        case .qemuSystem: "qemu-system-x86"
        case .mmdebstrap: "mmdebstrap"
        case .debugfs: "e2fsprogs"
        case .ssh, .sshKeygen: "openssh-client"
        case .sh: "dash"
        case .resize2fs, .tune2fs, .e2fsck: "e2fsprogs"
        case .fallocate, .unshare: "util-linux"
        case .xz: "xz-utils"
        }
    }
}
