import Foundation
import Synchronization
import Testing

@testable import KilnDrivers

/// `--vm-accel auto` picks KVM only when a kernel really boots under it: the configured one, else the host's, else
/// none and TCG. (A VM booting from its own disk under a KVM that hangs would show an empty console until its
/// deadline, as a Debian VM did on a host whose /dev/kvm opens.)
@Suite struct AccelerationTests {
    /// Records the kernels the probe was asked to boot, and answers `boots`.
    final class Probe: Sendable {
        let boots: Bool
        let asked = Mutex<[String]>([])
        init(boots: Bool) { self.boots = boots }
        func callAsFunction(_ qemu: String, _ kernel: String) async -> Bool {
            asked.withLock { $0.append(kernel) }
            return boots
        }
    }

    @Test("without --vm-kernel, auto probes the host's kernel and follows what it shows", arguments: [true, false])
    func probesTheHostKernel(_ boots: Bool) async {
        let probe = Probe(boots: boots)
        let acceleration = Acceleration(
            kvmUsable: { true }, hostKernels: { ["/boot/vmlinuz-test"] }, probe: { await probe($0, $1) })
        #expect(await acceleration.accel(mode: .auto, qemu: "qemu", kernel: nil) == (boots ? "kvm" : "tcg"))
        #expect(probe.asked.withLock { $0 } == ["/boot/vmlinuz-test"])
        // Chosen once per Kiln: a second VM does not probe again.
        _ = await acceleration.accel(mode: .auto, qemu: "qemu", kernel: nil)
        #expect(probe.asked.withLock { $0.count } == 1)
    }

    @Test("the configured kernel is probed before the host's")
    func configuredKernelFirst() async {
        let probe = Probe(boots: true)
        let acceleration = Acceleration(
            kvmUsable: { true }, hostKernels: { ["/boot/vmlinuz-host"] }, probe: { await probe($0, $1) })
        #expect(await acceleration.accel(mode: .auto, qemu: "qemu", kernel: "/srv/vmlinuz") == "kvm")
        #expect(probe.asked.withLock { $0 } == ["/srv/vmlinuz"])
    }

    @Test("with no kernel to probe, or no usable /dev/kvm, auto is TCG; kvm and tcg are taken as said")
    func noProbeNoKVM() async {
        let probe = Probe(boots: true)
        let noKernel = Acceleration(kvmUsable: { true }, hostKernels: { [] }, probe: { await probe($0, $1) })
        #expect(await noKernel.accel(mode: .auto, qemu: "qemu", kernel: nil) == "tcg")
        let noDevice = Acceleration(
            kvmUsable: { false }, hostKernels: { ["/boot/vmlinuz-host"] }, probe: { await probe($0, $1) })
        #expect(await noDevice.accel(mode: .auto, qemu: "qemu", kernel: "/srv/vmlinuz") == "tcg")
        #expect(probe.asked.withLock { $0 }.isEmpty)
        #expect(await Acceleration(kvmUsable: { false }).accel(mode: .kvm, qemu: "qemu", kernel: nil) == "kvm")
        #expect(await Acceleration(kvmUsable: { true }).accel(mode: .tcg, qemu: "qemu", kernel: nil) == "tcg")
    }

    @Test("the host's kernels are the readable /boot/vmlinuz-* files")
    func hostKernelsAreListed() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-accel-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for name in [
            "vmlinuz-6.1.0-1-amd64", "vmlinuz-6.1.0-2-amd64", "config-6.1.0-2-amd64", "initrd.img-6.1.0-2-amd64"
        ] {
            FileManager.default.createFile(atPath: "\(folder)/\(name)", contents: Data("x".utf8))
        }
        #expect(
            Acceleration.hostKernels(in: folder) == [
                "\(folder)/vmlinuz-6.1.0-2-amd64", "\(folder)/vmlinuz-6.1.0-1-amd64"
            ])
        #expect(Acceleration.hostKernels(in: "\(folder)/missing").isEmpty)
    }
}
