import ArgumentParser
import Foundation
import KilnDrivers
import KilnPlanner
import KilnReconciler
import KilnSpec

/// How `sync` and `serve` reconcile.
struct ReconcileFlags: ParsableArguments {
    @Flag(help: "Apply a commit even when it deletes more than the deletion budget.")
    var allowDestructive = false

    @Option(help: "More deletions than this in one commit need --allow-destructive.")
    var maxDeletions: Int = 5

    @Option(help: "Deleting more than this fraction of a kind (two objects or more) needs --allow-destructive.")
    var maxDeletionFraction: Double = 0.25

    @Option(help: "How long a deleted object's files wait in the tombstone area, so a revert restores them.")
    var pruneGrace: SpecDuration = SpecDuration(seconds: 3600)

    @Option(help: "Most actions performed at once.")
    var concurrency: Int = 4

    /// For end-to-end tests: runs Kiln's wall clock this far ahead, so that a test sees a prune grace or a backoff
    /// pass without sleeping through it.
    @Option(
        name: .customLong("clock-offset"),
        help: ArgumentHelp("Run Kiln's wall clock this far ahead (tests).", visibility: .hidden))
    var clockOffset: SpecDuration?

    @Option(
        name: .customLong("secrets-dir"), help: "Where {fromFile: NAME} secrets are read (default: <data-dir>/secrets)."
    )
    var secretsDir: String?

    @Option(
        name: .customLong("debian-mirror"),
        help: "The Debian mirror source.debian builds fetch from (default: the host's apt sources).")
    var debianMirror: String?

    @Option(name: .customLong("vm-kernel"), help: "A kernel for direct boot of VMs whose images have no boot loader.")
    var vmKernel: String?

    @Option(name: .customLong("vm-initrd"), help: "The initrd for --vm-kernel.")
    var vmInitrd: String?

    @Option(
        name: .customLong("vm-append"),
        help: "The kernel command line for --vm-kernel (default: root=/dev/vda rw console=ttyS0 no_timer_check).")
    var vmAppend: String?

    @Option(name: .customLong("vm-bridge"), help: "The host bridge for VMs with networkType: bridged.")
    var vmBridge: String?

    @Option(
        name: .customLong("vm-hostonly-bridge"),
        help: "The bridge of VMs with networkType: hostonly; Kiln makes it when missing and runs dnsmasq (DHCP) on it.")
    var vmHostonlyBridge: String = "kiln0"

    @Option(
        name: .customLong("vm-hostonly-address"),
        help: "The host's address and prefix on the host-only bridge; VMs lease the addresses above it.")
    var vmHostonlyAddress: String = "192.168.213.1/24"

    @Option(name: .customLong("vm-accel"), help: "auto (KVM when a probe boot works), kvm or tcg.")
    var vmAccel: VMAcceleration = .auto

    @Option(
        name: .customLong("max-image-size"),
        help: "Largest virtual size of an imported image (source.url, a VM's image URL, a snapshot), in IEC units.")
    var maxImageSize: String = "256gib"

    @Option(
        name: .customLong("vm-stop-grace"),
        help: "How long powerState: stopped waits for the guest to power off before qemu is told to quit.")
    var vmStopGrace: SpecDuration = SpecDuration(seconds: 30)

    @Option(
        name: .customLong("vm-ssh-authorized-keys"),
        help:
            "An authorized_keys file (public keys only) put into the cloud-init seed of VMs whose image was built with isCloudInit: true."
    )
    var vmSSHAuthorizedKeys: String?

    func validate() throws {
        guard maxDeletions >= 0 else { throw ValidationError("--max-deletions must not be negative") }
        guard (0...1).contains(maxDeletionFraction) else {
            throw ValidationError("--max-deletion-fraction is between 0 and 1")
        }
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
        if let debianMirror,
            !(debianMirror.hasPrefix("http://") || debianMirror.hasPrefix("https://")
                || debianMirror.hasPrefix("file:/"))
        {
            throw ValidationError("--debian-mirror must be an http://, https:// or file:/ URL")
        }
        if case .failure(let error) = IECSize.parse(maxImageSize) {
            throw ValidationError("--max-image-size: \(error.message)")
        }
        if vmInitrd != nil || vmAppend != nil, vmKernel == nil {
            throw ValidationError("--vm-initrd and --vm-append need --vm-kernel")
        }
        if HostOnlySubnet(vmHostonlyAddress) == nil {
            throw ValidationError(
                "--vm-hostonly-address \(vmHostonlyAddress) is not an IPv4 host address with a prefix from 8 to 29, like 192.168.213.1/24"
            )
        }
        if vmHostonlyBridge.isEmpty || vmHostonlyBridge.utf8.count > 15
            || vmHostonlyBridge.contains(where: { $0 == "/" || $0.isWhitespace })
        {
            throw ValidationError(
                "--vm-hostonly-bridge \(vmHostonlyBridge) is not an interface name (1 to 15 bytes, no / or spaces)")
        }
        if let vmSSHAuthorizedKeys {
            do { _ = try CloudInitSeed.authorizedKeys(file: vmSSHAuthorizedKeys) } catch {
                throw ValidationError("\(error)")
            }
        }
    }

    var options: ReconcilerOptions {
        ReconcilerOptions(
            allowDestructive: allowDestructive,
            budget: DeletionBudget(maxObjects: maxDeletions, maxFraction: maxDeletionFraction),
            pruneGrace: pruneGrace.seconds, maxConcurrency: concurrency, now: clock)
    }

    /// The wall clock, shifted by `--clock-offset`.
    var clock: @Sendable () -> Date {
        let offset = clockOffset?.seconds ?? 0
        return { Date().addingTimeInterval(offset) }
    }

    /// `--max-image-size` in bytes (validated above).
    var maxImageBytes: UInt64 { (try? IECSize.parse(maxImageSize).get())?.bytes ?? 256 << 30 }

    func vmOptions(networkDirectory: String, secretsDirectory: String) -> QemuVMDriver.Options {
        QemuVMDriver.Options(
            kernel: vmKernel, initrd: vmInitrd, append: vmAppend, bridge: vmBridge, accel: vmAccel,
            stopGrace: vmStopGrace.duration, sshAuthorizedKeys: vmSSHAuthorizedKeys,
            hostonlyBridge: vmHostonlyBridge,
            hostonlySubnet: HostOnlySubnet(vmHostonlyAddress) ?? QemuVMDriver.Options.defaultHostonlySubnet,
            networkDirectory: networkDirectory, secretsDirectory: secretsDir ?? secretsDirectory)
    }
}
