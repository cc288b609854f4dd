/// How a built disk boots: the contract between the builder, which writes the disk, and the VM driver, which picks
/// the firmware. `none` is a bare root filesystem that boots only through an operator-supplied kernel.
public enum DiskBoot: String, Sendable, Hashable, CaseIterable, Codable {
    case none
    case uefi
    case bios
    case hybrid

    /// Whether qemu can start the disk with firmware alone, without `-kernel`.
    public var bootsOnItsOwn: Bool { self != .none }

    /// Whether the disk boots under OVMF (UEFI firmware).
    public var bootsUnderUEFI: Bool { self == .uefi || self == .hybrid }

    /// Whether the disk boots under SeaBIOS.
    public var bootsUnderBIOS: Bool { self == .bios || self == .hybrid }
}
