import Glibc
import KilnSpec

/// The firmware qemu starts a disk with, found among Debian's packages: SeaBIOS (`seabios`, qemu's own BIOS) or OVMF
/// (`ovmf`, UEFI). Shared by the builder's boot verification and the VM driver.
///
/// OVMF needs two flash images: the read-only code and a writable variable store. Each VM gets its own copy of the
/// store's template (``makeVariableStore(at:)``), since UEFI writes its boot entries there.
public struct Firmware: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// SeaBIOS: boots the MBR's code.
        case bios
        /// OVMF: boots `\EFI\BOOT\BOOTX64.EFI` of the EFI system partition.
        case uefi

        public var debianPackage: String { self == .bios ? "seabios" : "ovmf" }
    }

    public var kind: Kind
    /// SeaBIOS's image, or OVMF's code flash.
    public var code: String
    /// OVMF's variable-store template; nil for SeaBIOS.
    public var variablesTemplate: String?

    public init(kind: Kind, code: String, variablesTemplate: String?) {
        self.kind = kind
        self.code = code
        self.variablesTemplate = variablesTemplate
    }

    /// Where Debian installs each firmware, preferred first. The 4 MiB OVMF build is Debian 12's default; its code
    /// and variables must come from the same build, so they are looked up as pairs.
    public static let candidates: [Kind: [(code: String, variables: String?)]] = [
        .bios: [("/usr/share/seabios/bios-256k.bin", nil), ("/usr/share/qemu/bios-256k.bin", nil)],
        .uefi: [
            ("/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_VARS_4M.fd"),
            ("/usr/share/OVMF/OVMF_CODE.fd", "/usr/share/OVMF/OVMF_VARS.fd")
        ]
    ]

    /// The firmware of a kind, or an error naming the Debian package to install.
    public static func locate(_ kind: Kind, root: String = "") throws(FirmwareError) -> Firmware {
        let pairs = candidates[kind] ?? []
        for pair in pairs
        where isReadableFile(root + pair.code) && pair.variables.map({ isReadableFile(root + $0) }) != false {
            return Firmware(kind: kind, code: root + pair.code, variablesTemplate: pair.variables.map { root + $0 })
        }
        throw FirmwareError(kind: kind, searched: pairs.map { root + $0.code })
    }

    /// The firmware a disk is verified under: both for `hybrid`, none for a bare filesystem.
    public static func kinds(for boot: DiskBoot) -> [Kind] {
        (boot.bootsUnderBIOS ? [.bios] : []) + (boot.bootsUnderUEFI ? [.uefi] : [])
    }

    /// The firmware a VM on a disk of this boot type starts with: UEFI when the disk boots both ways (the modern
    /// default), nil for a bare filesystem (which needs `-kernel`).
    public static func preferred(for boot: DiskBoot) -> Kind? {
        boot.bootsUnderUEFI ? .uefi : boot.bootsUnderBIOS ? .bios : nil
    }

    /// Copies OVMF's variable-store template to `path` (mode 0600), for one VM. Nothing to do for SeaBIOS.
    public func makeVariableStore(at path: String) throws(FirmwareError) {
        guard let variablesTemplate else { return }
        do throws(BuildError) {
            try FileSystem.copyFile(variablesTemplate, to: path)
            chmod(path, 0o600)
        } catch {
            throw FirmwareError(
                kind: kind, searched: [variablesTemplate], reason: "cannot copy the variable store to \(path): \(error)"
            )
        }
    }

    /// qemu's arguments for this firmware. `variableStore` is the VM's own copy (``makeVariableStore(at:)``); it is
    /// required for OVMF and ignored for SeaBIOS. Works with `-machine pc` and `q35` alike.
    public func qemuArguments(variableStore: String?) -> [String] {
        switch kind {
        case .bios:
            return ["-bios", code]
        case .uefi:
            var arguments = ["-drive", "if=pflash,format=raw,unit=0,readonly=on,file=\(code)"]
            if let variableStore { arguments += ["-drive", "if=pflash,format=raw,unit=1,file=\(variableStore)"] }
            return arguments
        }
    }

    /// Everything a VM on a disk of this boot type needs from firmware, in one call: the preferred firmware located,
    /// its variable store kept in `vmFolder` (`OVMF_VARS.fd`, made once and kept across restarts, so the VM's boot
    /// entries persist), and qemu's arguments. Empty for a bare filesystem, which boots only with `-kernel`. Throws,
    /// naming the Debian package, when the firmware is not installed: a VM that cannot boot is refused at once.
    public static func qemuArguments(
        for boot: DiskBoot, vmFolder: String, root: String = ""
    ) throws(FirmwareError) -> [String] {
        guard let kind = preferred(for: boot) else { return [] }
        let firmware = try locate(kind, root: root)
        guard firmware.variablesTemplate != nil else { return firmware.qemuArguments(variableStore: nil) }
        let store = vmFolder + "/OVMF_VARS.fd"
        if !isReadableFile(store) { try firmware.makeVariableStore(at: store) }
        return firmware.qemuArguments(variableStore: store)
    }

    private static func isReadableFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG && access(path, R_OK) == 0
    }
}

/// A firmware that is not installed, or whose variable store cannot be copied.
public struct FirmwareError: Error, Sendable, Hashable, CustomStringConvertible {
    public var kind: Firmware.Kind
    public var searched: [String]
    public var reason: String?

    public init(kind: Firmware.Kind, searched: [String], reason: String? = nil) {
        self.kind = kind
        self.searched = searched
        self.reason = reason
    }

    public var description: String {
        if let reason { return reason }
        let name = kind == .bios ? "SeaBIOS" : "OVMF (UEFI)"
        return
            "\(name) firmware was not found (looked for \(searched.joined(separator: ", "))); install the Debian package \(kind.debianPackage) (apt-get install \(kind.debianPackage))"
    }
}
