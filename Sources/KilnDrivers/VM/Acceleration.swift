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
/// a Linux guest hangs without a word. So `auto` boots a kernel once under KVM (no disk, so it stops at the root
/// mount) and uses KVM only if the kernel prints its banner in time. The kernel is the one configured for direct boot,
/// or else the host's own (`/boot/vmlinuz-*`); with neither, `auto` is TCG: a VM that boots from its own disk under a
/// hanging KVM would only show an empty console until its boot deadline.
actor Acceleration {
    private var chosen: String?
    private let kvmUsable: @Sendable () -> Bool
    private let hostKernels: @Sendable () -> [String]
    private let probe: @Sendable (_ qemu: String, _ kernel: String) async -> Bool

    init(
        kvmUsable: @escaping @Sendable () -> Bool = { access("/dev/kvm", R_OK | W_OK) == 0 },
        hostKernels: @escaping @Sendable () -> [String] = { Acceleration.hostKernels() },
        probe: @escaping @Sendable (_ qemu: String, _ kernel: String) async -> Bool = {
            await Acceleration.kernelBootsUnderKVM(qemu: $0, kernel: $1)
        }
    ) {
        self.kvmUsable = kvmUsable
        self.hostKernels = hostKernels
        self.probe = probe
    }

    func accel(mode: VMAcceleration, qemu: String, kernel: String?) async -> String {
        if let chosen { return chosen }
        let value: String
        switch mode {
        case .kvm: value = "kvm"
        case .tcg: value = "tcg"
        case .auto:
            if !kvmUsable() {
                value = "tcg"
            } else if let kernel = kernel ?? hostKernels().first {
                value = await probe(qemu, kernel) ? "kvm" : "tcg"
            } else {
                value = "tcg"
            }
        }
        chosen = value
        return value
    }

    /// The host's kernels that the probe may boot (readable `/boot/vmlinuz-*`, in reverse name order).
    static func hostKernels(in folder: String = "/boot") -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasPrefix("vmlinuz-") }.sorted(by: >).map { "\(folder)/\($0)" }
            .filter { access($0, R_OK) == 0 }
    }

    static func kernelBootsUnderKVM(qemu: String, kernel: String) async -> Bool {
        let console = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-kvm-probe-\(getpid()).log")
            .path
        defer { try? FileManager.default.removeItem(atPath: console) }
        let arguments = [
            "-machine", "accel=kvm", "-m", "128M", "-display", "none", "-nodefaults", "-no-reboot",
            "-serial", "file:\(console)", "-kernel", kernel, "-append", "console=ttyS0 panic=-1 no_timer_check"
        ]
        let probe = Task {
            _ = try? await Subprocess.run(
                .name(qemu), arguments: Arguments(arguments), output: .discarded, error: .discarded)
        }
        defer { probe.cancel() }
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: console, encoding: .utf8), text.contains("Linux version") {
                return true
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }
}
