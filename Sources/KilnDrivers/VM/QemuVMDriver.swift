import Foundation
import KilnCatalog
import KilnReconciler
import KilnSpec

/// Runs VMs with qemu: a copy-on-write qcow2 overlay of the image in the VM's folder, `qemu-system-x86_64` daemonized
/// with a pidfile, a QMP socket and the serial console in a log file. KVM when `/dev/kvm` is usable, TCG otherwise.
///
/// How a VM boots is the operator's choice (`--vm-kernel/--vm-initrd/--vm-append` for direct kernel boot, BIOS boot
/// otherwise): a spec from a pull request never names host files. Every call is idempotent: a VM whose qemu already
/// runs in its folder is adopted, never started twice.
public struct QemuVMDriver: VMDriver {
    public struct Options: Sendable {
        public var kernel: String?
        public var initrd: String?
        public var append: String?
        /// The bridge for `networkType: bridged`; without it such VMs fail with a clear message.
        public var bridge: String?
        public var qemu: String
        /// `auto` (KVM when it really works), `kvm` or `tcg`.
        public var accel: VMAcceleration

        public init(kernel: String? = nil, initrd: String? = nil, append: String? = nil, bridge: String? = nil,
                    qemu: String = "qemu-system-x86_64", accel: VMAcceleration = .auto) {
            self.kernel = kernel
            self.initrd = initrd
            self.append = append
            self.bridge = bridge
            self.qemu = qemu
            self.accel = accel
        }
    }

    public var options: Options
    let acceleration = Acceleration()

    public init(options: Options = Options()) {
        self.options = options
    }

    struct Files {
        let directory: String
        var disk: String { "\(directory)/disk.qcow2" }
        var pidfile: String { "\(directory)/qemu.pid" }
        var qmp: String { "\(directory)/qmp.sock" }
        var console: String { "\(directory)/console.log" }
    }

    public func provision(_ vm: VMRecord, image: ImageRecord, directory: String, start: Bool) async throws -> VMObservation {
        let files = Files(directory: directory)
        guard let backing = image.path else { throw QemuVMError.noImageFile(image.name) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: files.disk) {
            let temp = files.disk + ".partial"
            try? FileManager.default.removeItem(atPath: temp)
            try await Tool.run("qemu-img", ["create", "-q", "-f", "qcow2", "-F", image.format ?? "qcow2", "-b", backing, temp])
            try FileManager.default.moveItem(atPath: temp, toPath: files.disk)
        }
        guard start else { return VMObservation(status: .poweredOff) }
        var located = vm
        located.directory = directory
        return try await self.start(located)
    }

    public func start(_ vm: VMRecord) async throws -> VMObservation {
        guard let directory = vm.directory else { throw QemuVMError.notProvisioned(vm.name) }
        let files = Files(directory: directory)
        if let running = runningProcess(files) { return await observe(vm, files: files, process: running) }
        try? FileManager.default.removeItem(atPath: files.qmp)
        try? FileManager.default.removeItem(atPath: files.pidfile)
        let accel = await acceleration.accel(mode: options.accel, qemu: options.qemu, kernel: options.kernel)
        let arguments = try Self.arguments(vm.typed, name: vm.name, files: files, options: options, kvm: accel == "kvm")
        try await Tool.run(options.qemu, arguments)
        guard let process = runningProcess(files) else {
            throw QemuVMError.didNotStart(vm.name, (try? String(contentsOfFile: files.console, encoding: .utf8))?.suffix(500).description ?? "")
        }
        return await observe(vm, files: files, process: process)
    }

    /// qemu's command line for a VM: a pure function, tested on its own.
    static func arguments(_ spec: VirtualMachineSpec, name: String, files: Files, options: Options, kvm: Bool) throws -> [String] {
        var args = [
            "-name", "kiln-\(name)",
            "-machine", kvm ? "accel=kvm" : "accel=tcg",
            "-m", "\(spec.memory.bytes >> 20)M",
            "-smp", "\(spec.cpus)",
            "-drive", "file=\(files.disk),if=virtio,format=qcow2",
            "-display", "none",
            "-serial", "file:\(files.console)",
            "-monitor", "none",
            "-qmp", "unix:\(files.qmp),server=on,wait=off",
            "-pidfile", files.pidfile,
            "-daemonize",
        ]
        switch spec.networkType {
        case .nat: args += ["-nic", "user,model=virtio-net-pci"]
        case .hostonly: args += ["-nic", "user,model=virtio-net-pci,restrict=on"]
        case .bridged:
            guard let bridge = options.bridge else { throw QemuVMError.noBridge(name) }
            args += ["-nic", "bridge,br=\(bridge),model=virtio-net-pci"]
        }
        if let kernel = options.kernel {
            args += ["-kernel", kernel]
            if let initrd = options.initrd { args += ["-initrd", initrd] }
            args += ["-append", options.append ?? "root=/dev/vda rw console=ttyS0"]
        }
        return args
    }

    public func stop(_ vm: VMRecord) async throws -> VMObservation {
        guard let directory = vm.directory else { return VMObservation(status: .poweredOff) }
        let files = Files(directory: directory)
        guard let process = runningProcess(files) else { return VMObservation(status: .poweredOff) }
        // qemu may already be quitting or wedged: the process check below decides, and SIGKILL is the fallback.
        _ = try? await QMPClient(socket: files.qmp, timeout: .seconds(2)).execute("quit")
        for _ in 0..<100 where ProcessIdentity.isAlive(process) {
            try await Task.sleep(for: .milliseconds(50))
        }
        if ProcessIdentity.isAlive(process) {
            kill(process.pid, SIGKILL)
            try await Task.sleep(for: .milliseconds(100))
        }
        return VMObservation(status: .poweredOff)
    }

    public func destroy(_ vm: VMRecord) async throws {
        _ = try await stop(vm)
    }

    public func observe(_ vm: VMRecord) async -> VMObservation {
        guard let directory = vm.directory else { return VMObservation(status: .waiting) }
        let files = Files(directory: directory)
        guard let process = runningProcess(files) else { return VMObservation(status: .poweredOff) }
        return await observe(vm, files: files, process: process)
    }

    func observe(_ vm: VMRecord, files: Files, process: WorkerProcess) async -> VMObservation {
        var status = VMRecord.Status.poweredOn
        // A monitor that does not answer in time says nothing about the guest: the process runs, so it counts as on.
        if let answer = try? await QMPClient(socket: files.qmp, timeout: .seconds(2)).execute("query-status"),
           let state = answer["status"]?.string, state != "running" {
            status = state == "shutdown" || state == "paused" ? .poweredOff : .poweredOn
        }
        var ready = status == .poweredOn
        if let marker = vm.typed.readyConsoleContains {
            let console = (try? String(contentsOfFile: files.console, encoding: .utf8)) ?? ""
            ready = ready && console.contains(marker)
        }
        return VMObservation(status: status, process: process, qmpSocket: files.qmp, ready: ready)
    }

    /// The qemu process of this folder, if it runs: the pidfile names it and its command line names the folder.
    func runningProcess(_ files: Files) -> WorkerProcess? {
        guard let text = try? String(contentsOfFile: files.pidfile, encoding: .utf8),
              let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)),
              let process = ProcessIdentity.current(pid), ProcessIdentity.isAlive(process),
              ProcessIdentity.commandLine(pid).contains(files.disk) else { return nil }
        return process
    }
}

enum QemuVMError: Error, CustomStringConvertible, ActionFailureConvertible {
    case noImageFile(String)
    case notProvisioned(String)
    case didNotStart(String, String)
    case noBridge(String)

    var description: String {
        switch self {
        case .noImageFile(let image): "Image \(image) has no disk file to boot from"
        case .notProvisioned(let vm): "VirtualMachine \(vm) has no disk yet"
        case .didNotStart(let vm, let console): "qemu for VirtualMachine \(vm) did not start; console: \(console)"
        case .noBridge(let vm): "VirtualMachine \(vm) asks for a bridged network, but no bridge is configured (start Kiln with --vm-bridge BRIDGE)"
        }
    }

    var actionFailure: ActionFailure {
        switch self {
        case .noBridge: ActionFailure(.noBridge, description)
        case .noImageFile, .notProvisioned, .didNotStart: ActionFailure(.driverError, description)
        }
    }
}
