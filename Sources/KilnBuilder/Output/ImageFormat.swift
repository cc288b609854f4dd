/// A disk format a build produces, with the names qemu and file systems know it by.
enum ImageFormat: String, Sendable, CaseIterable {
    case raw, qcow2, vmdk, vhd, vhdx
    /// A streamOptimized vmdk with an `.ovf` descriptor and a `.mf` manifest, packaged as one `.ova` tar.
    case ovf

    init(spec value: String) throws(BuildError) {
        guard let known = ImageFormat(rawValue: value) else {
            let names = ImageFormat.allCases.map(\.rawValue).joined(separator: ", ")
            throw .unsupported("conversion format \(value) is not supported; use \(names)")
        }
        self = known
    }

    /// The format of the disk file itself, as `qemu-img -O` / `-f` names it.
    var qemuFormat: String {
        switch self {
        case .raw: "raw"
        case .qcow2: "qcow2"
        case .vmdk, .ovf: "vmdk"
        case .vhd: "vpc"
        case .vhdx: "vhdx"
        }
    }

    /// `qemu-img convert -o` options. VHD needs `force_size`, or qemu rounds the size to a CHS geometry and the
    /// image no longer has the size the spec asked for.
    var convertOptions: [String] {
        switch self {
        case .vhd: ["subformat=dynamic", "force_size=on"]
        case .ovf: ["subformat=streamOptimized"]
        case .raw, .qcow2, .vmdk, .vhdx: []
        }
    }

    /// The vmdk `create-type` that `qemu-img info` reports, where it matters.
    var vmdkCreateType: String? {
        switch self {
        case .vmdk: "monolithicSparse"
        case .ovf: "streamOptimized"
        default: nil
        }
    }

    /// Extension of the disk file.
    var diskExtension: String {
        switch self {
        case .raw: "raw"
        case .qcow2: "qcow2"
        case .vmdk, .ovf: "vmdk"
        case .vhd: "vhd"
        case .vhdx: "vhdx"
        }
    }

    /// Whether `compress` applies. An OVA is left as a plain tar: importers expect one, and its vmdk is already
    /// deflate-compressed (streamOptimized).
    var isCompressed: Bool { self != .ovf }

    /// Extension of the registered output (before compression).
    var outputExtension: String { self == .ovf ? "ova" : diskExtension }
}
