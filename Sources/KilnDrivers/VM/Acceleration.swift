import Foundation
import Subprocess

/// `--vm-accel`: how VMs are accelerated. Parsed when the flags are read; an unknown value is a usage error.
public enum VMAcceleration: String, Sendable, Hashable, CaseIterable {
    /// KVM when a probe boot under it works, TCG otherwise.
    case auto
    case kvm
    case tcg
}

/// Chooses KVM or TCG for VMs. `/dev/kvm` being there is not enough: under some nested virtualisation KVM opens but
/// a Linux guest hangs without a word. With a kernel configured for direct boot, `auto` boots that kernel once under
/// KVM (no disk, so it stops at the root mount) and uses KVM only if the kernel prints its banner in time.
actor Acceleration {
    private var chosen: String?

    func accel(mode: VMAcceleration, qemu: String, kernel: String?) async -> String {
        if let chosen { return chosen }
        let value: String
        switch mode {
        case .kvm: value = "kvm"
        case .tcg: value = "tcg"
        case .auto:
            if access("/dev/kvm", R_OK | W_OK) != 0 {
                value = "tcg"
            } else if let kernel {
                value = await Self.kernelBootsUnderKVM(qemu: qemu, kernel: kernel) ? "kvm" : "tcg"
            } else {
                value = "kvm"
            }
        }
        chosen = value
        return value
    }

    static func kernelBootsUnderKVM(qemu: String, kernel: String) async -> Bool {
        let console = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-kvm-probe-\(getpid()).log").path
        defer { try? FileManager.default.removeItem(atPath: console) }
        let arguments = ["-machine", "accel=kvm", "-m", "128M", "-display", "none", "-nodefaults", "-no-reboot",
                         "-serial", "file:\(console)", "-kernel", kernel, "-append", "console=ttyS0 panic=-1"]
        let probe = Task {
            _ = try? await Subprocess.run(.name(qemu), arguments: Arguments(arguments), output: .discarded, error: .discarded)
        }
        defer { probe.cancel() }
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: console, encoding: .utf8), text.contains("Linux version") { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }
}
