import Foundation
import KilnBuilder
import KilnReconciler
import KilnSpec

/// How qemu starts a VM's disk: the operator's kernel for a bare filesystem, firmware for a disk that boots on its
/// own (OVMF with the VM's own variable store when the disk boots under UEFI, SeaBIOS otherwise, through the
/// builder's ``Firmware``, which verified the disk under the same firmware).
enum BootMethod: Sendable, Hashable {
    case kernel(kernel: String, initrd: String?, append: String)
    case firmware(Firmware.Kind)

    /// The command line of `--vm-kernel` without `--vm-append`. `no_timer_check`, as the images Kiln builds have
    /// (``BootConfiguration/kernelCommandLine``): a guest on a busy host, TCG above all, can miss the IO-APIC timer
    /// check and panic at boot ("IO-APIC + timer doesn't work"), as a test guest did under stress-ng here.
    static let defaultAppend = "root=/dev/vda rw console=ttyS0 no_timer_check"

    /// Decides, before anything starts, how a disk of boot type `boot` starts on this host. A disk that cannot boot
    /// as configured is refused at once with what to do, rather than started to hang until a timeout.
    /// A hybrid disk prefers UEFI and falls back to SeaBIOS when OVMF is missing.
    static func choose(
        for boot: DiskBoot, image: String, options: QemuVMDriver.Options
    ) throws(ActionFailure) -> BootMethod {
        guard let preferred = Firmware.preferred(for: boot) else {
            guard let kernel = options.kernel else {
                throw ActionFailure(
                    .unbootableImage,
                    "image \(image) is a bare filesystem with no boot loader: start Kiln with --vm-kernel/--vm-initrd, or build it with disk.boot"
                )
            }
            return .kernel(kernel: kernel, initrd: options.initrd, append: options.append ?? Self.defaultAppend)
        }
        do {
            return .firmware(try Firmware.locate(preferred, root: options.firmwareRoot).kind)
        } catch {
            if boot == .hybrid, (try? Firmware.locate(.bios, root: options.firmwareRoot)) != nil {
                return .firmware(.bios)
            }
            let what = boot == .uefi ? "boots only under UEFI" : "needs its boot firmware"
            throw ActionFailure(.noFirmware, "image \(image) \(what), and \(error)")
        }
    }

    /// qemu's arguments; for OVMF, the VM's own variable store is made in `vmFolder` on first use and kept.
    func arguments(vmFolder: String, options: QemuVMDriver.Options) throws(ActionFailure) -> [String] {
        switch self {
        case .kernel(let kernel, let initrd, let append):
            return ["-kernel", kernel] + (initrd.map { ["-initrd", $0] } ?? []) + ["-append", append]
        case .firmware(let kind):
            do {
                let firmware = try Firmware.locate(kind, root: options.firmwareRoot)
                guard firmware.variablesTemplate != nil else { return firmware.qemuArguments(variableStore: nil) }
                let store = vmFolder + "/OVMF_VARS.fd"
                if !FileSystemCheck.isFile(store) { try firmware.makeVariableStore(at: store) }
                return firmware.qemuArguments(variableStore: store)
            } catch {
                throw ActionFailure(.noFirmware, "\(error)")
            }
        }
    }
}

enum FileSystemCheck {
    static func isFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }
}
