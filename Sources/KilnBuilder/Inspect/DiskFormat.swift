/// The disk formats an imported image may have, by content. Anything else (qcow v1, QED, VDI, LUKS, ISO, a text
/// VMDK descriptor) is refused before any tool opens it.
public enum DiskFormat: String, Sendable, Hashable, CaseIterable {
    case qcow2, vmdk, raw, vhd, vhdx

    /// qemu-img's name for the format (`-f`).
    public var qemuFormat: String { self == .vhd ? "vpc" : rawValue }

    /// The format a file name promises, if its extension names one.
    public static func expected(fromName name: String) -> DiskFormat? {
        let lower = name.lowercased()
        if lower.hasSuffix(".qcow2") { return .qcow2 }
        if lower.hasSuffix(".vmdk") { return .vmdk }
        if lower.hasSuffix(".vhdx") { return .vhdx }
        if lower.hasSuffix(".vhd") { return .vhd }
        if lower.hasSuffix(".img") || lower.hasSuffix(".raw") { return .raw }
        return nil
    }
}
