import Foundation
import KilnBuilder
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
        /// The Kiln-managed bridge of `networkType: hostonly` (made when missing) and the host's address on it.
        public var hostonlyBridge: String
        public var hostonlySubnet: HostOnlySubnet
        /// Where dnsmasq's files live (`<data-dir>/network`); without it `hostonly` VMs fail with a clear message.
        public var networkDirectory: String?
        /// `--secrets-dir`: where `{fromFile: NAME}` references of a VM's user-data are read when its seed is made.
        public var secretsDirectory: String?
        public var qemu: String
        /// `auto` (KVM when it really works), `kvm` or `tcg`.
        public var accel: VMAcceleration
        /// How long `powerState: stopped` waits for the guest to power off after ACPI's power button before qemu is
        /// told to quit.
        public var stopGrace: Duration
        /// `--vm-ssh-authorized-keys`: public keys put into the cloud-init seed of VMs whose image asks for one.
        public var sshAuthorizedKeys: String?
        /// Where firmware is looked for (`""`: the host; tests point it at a folder without OVMF).
        var firmwareRoot = ""
        /// Deadlines of the observation's monitor session and of the guest agent's: short, so that one stuck qemu or
        /// silent guest cannot hold up a pass (tests on a loaded machine give generous ones).
        var monitorTimeout: Duration = .seconds(2)
        var agentTimeout: Duration = .seconds(2)
        /// Deadline of one monitor command of an action (resume, power button, quit): each has a fallback or a retry,
        /// so a wedged qemu cannot hold an action long (tests on a loaded machine give a generous one).
        var commandTimeout: Duration = .seconds(5)
        /// In a fleet: where an image's file is read from on this host (fetched from the host that made it when
        /// needed). Nil: the catalog's path, as on a single host.
        public var artifacts: ArtifactAccess?

        public init(
            kernel: String? = nil, initrd: String? = nil, append: String? = nil, bridge: String? = nil,
            qemu: String = "qemu-system-x86_64", accel: VMAcceleration = .auto, stopGrace: Duration = .seconds(30),
            sshAuthorizedKeys: String? = nil, hostonlyBridge: String = "kiln0",
            hostonlySubnet: HostOnlySubnet = Self.defaultHostonlySubnet, networkDirectory: String? = nil,
            secretsDirectory: String? = nil
        ) {
            self.secretsDirectory = secretsDirectory
            self.hostonlyBridge = hostonlyBridge
            self.hostonlySubnet = hostonlySubnet
            self.networkDirectory = networkDirectory
            self.stopGrace = stopGrace
            self.sshAuthorizedKeys = sshAuthorizedKeys
            self.kernel = kernel
            self.initrd = initrd
            self.append = append
            self.bridge = bridge
            self.qemu = qemu
            self.accel = accel
        }

        public static let defaultHostonlySubnet = HostOnlySubnet("192.168.213.1/24")!

        /// The host-only network these options describe, if Kiln knows where to keep dnsmasq's files.
        public var hostOnlyConfiguration: HostOnlyNetwork.Configuration? {
            networkDirectory.map {
                HostOnlyNetwork.Configuration(bridge: hostonlyBridge, subnet: hostonlySubnet, directory: $0)
            }
        }
    }

    public var options: Options
    let acceleration = Acceleration()
    /// Shared by every copy of this driver, so concurrent starts set the host-only network up once.
    let hostOnly: HostOnlyNetwork?
    /// Kiln's monitor connections, one per running VM, kept open between passes (shared by every copy too).
    let monitors = QMPMonitorPool()

    public init(options: Options = Options()) {
        self.options = options
        hostOnly = options.hostOnlyConfiguration.map(HostOnlyNetwork.init)
    }

    /// Closes the monitor connections kept open (at shutdown; the VMs go on running).
    public func shutdown() async {
        await monitors.shutdown()
    }

    struct Files {
        let directory: String
        var disk: String { "\(directory)/disk.qcow2" }
        var pidfile: String { "\(directory)/qemu.pid" }
        /// The operator's monitor (and Kiln's, for one-off commands): free for anyone to connect to.
        static let qmpName = "qmp.sock"
        var qmp: String { "\(directory)/\(Self.qmpName)" }
        /// Kiln's own monitor, which its observation keeps a connection to between passes. qemu serves one client per
        /// monitor socket, so holding `qmp.sock` open would lock operators (and Kiln's own one-off commands) out.
        static let kilnMonitorName = "kiln-qmp.sock"
        var kilnMonitor: String { "\(directory)/\(Self.kilnMonitorName)" }
        /// qemu-guest-agent's end of the virtio-serial channel `org.qemu.guest_agent.0`.
        static let agentName = "qga.sock"
        var agent: String { "\(directory)/\(Self.agentName)" }
        var console: String { "\(directory)/console.log" }
        var bootSample: String { "\(directory)/boot-sector.raw" }
        /// The cloud-init NoCloud seed, for VMs whose image asks for one.
        var seed: String { "\(directory)/seed.img" }
        /// The name of the VM's tap device (hostonly, bridged), written before the device is made.
        var tap: String { "\(directory)/tap" }
    }

    public func provision(
        _ vm: VMRecord, image: ImageRecord, directory: String, start: Bool,
        userData: CloudInitUserData? = nil
    ) async throws -> VMObservation {
        let files = Files(directory: directory)
        guard image.path != nil else { throw QemuVMError.noImageFile(image.name) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: files.disk) {
            let backing = try await options.artifacts?.file(for: image) ?? image.path ?? ""
            let temp = files.disk + ".partial"
            try? FileManager.default.removeItem(atPath: temp)
            try await Tool.run(
                "qemu-img", ["create", "-q", "-f", "qcow2", "-F", image.format ?? "qcow2", "-b", backing, temp])
            try FileManager.default.moveItem(atPath: temp, toPath: files.disk)
        }
        if vm.cloudInit || userData != nil {
            let keys = try options.sshAuthorizedKeys.map(CloudInitSeed.authorizedKeys(file:)) ?? []
            // Secrets are resolved only now, into the seed in the VM's own folder: never into the catalog or a log.
            let resolver = SecretResolver(secretsDirectory: options.secretsDirectory)
            let document = try userData.map { data in
                do { return try data.resolved { try resolver.resolve($0) } } catch {
                    throw QemuVMError.userDataSecret(vm.name, "\(error)")
                }
            }
            try await CloudInitSeed(instanceId: vm.uuid, vmName: vm.name, sshAuthorizedKeys: keys, userData: document)
                .write(to: files.seed)
        } else {
            try? FileManager.default.removeItem(atPath: files.seed)
        }
        guard start else { return VMObservation(status: .poweredOff) }
        var located = vm
        located.directory = directory
        return try await self.start(located)
    }

    public func start(_ vm: VMRecord) async throws -> VMObservation {
        guard let directory = vm.directory else { throw QemuVMError.notProvisioned(vm.name) }
        let files = Files(directory: directory)
        guard FileManager.default.fileExists(atPath: files.disk) else {
            throw QemuVMError.folderGone(vm.name, directory)
        }
        if let running = runningProcess(files) {
            // Adopted, never started twice; a machine paused behind Kiln's back is resumed.
            let client = QMPClient(socket: files.qmp, timeout: options.commandTimeout)
            if let state = try? await client.execute("query-status"), state["status"]?.string == "paused" {
                _ = try await client.execute("cont")
            }
            return await observe(vm, files: files, process: running)
        }
        // Decide how the disk boots before starting anything: one that cannot boot is refused now, with why.
        var bootType = vm.imageBoot
        if bootType == nil { bootType = try await diskBoot(files) }
        let boot = try BootMethod.choose(for: bootType ?? .none, image: vm.imageName ?? vm.name, options: options)
            .arguments(vmFolder: files.directory, options: options)
        try? FileManager.default.removeItem(atPath: files.qmp)
        try? FileManager.default.removeItem(atPath: files.kilnMonitor)
        try? FileManager.default.removeItem(atPath: files.agent)
        try? FileManager.default.removeItem(atPath: files.pidfile)
        let accel = await acceleration.accel(mode: options.accel, qemu: options.qemu, kernel: options.kernel)
        let seed = FileManager.default.fileExists(atPath: files.seed) ? files.seed : nil
        let tap = try await prepareNetwork(vm, files: files)
        let arguments = try Self.arguments(
            vm.typed, name: vm.name, files: files, options: options, kvm: accel == "kvm",
            boot: boot, seed: seed, tap: tap)
        try await Tool.run(options.qemu, arguments, workingDirectory: files.directory)
        guard let process = runningProcess(files) else {
            throw QemuVMError.didNotStart(
                vm.name, (try? String(contentsOfFile: files.console, encoding: .utf8))?.suffix(500).description ?? "")
        }
        return await observe(vm, files: files, process: process)
    }

    /// The VM's tap device on its bridge, made before qemu starts (nil for `nat`). `hostonly` first sets up Kiln's
    /// bridge and dnsmasq; `bridged` needs the operator's `--vm-bridge` to be a bridge that exists.
    func prepareNetwork(_ vm: VMRecord, files: Files) async throws -> TapDevice? {
        let bridge: String
        switch vm.typed.networkType {
        case .nat:
            return nil
        case .hostonly:
            guard let hostOnly else { throw QemuVMError.noHostOnlyNetwork(vm.name) }
            try await hostOnly.ensure()
            bridge = hostOnly.configuration.bridge
        case .bridged:
            guard let operatorBridge = options.bridge else { throw QemuVMError.noBridge(vm.name) }
            guard TapDevice.isBridge(operatorBridge) else { throw QemuVMError.bridgeMissing(vm.name, operatorBridge) }
            bridge = operatorBridge
        }
        let tap = TapDevice(uuid: vm.uuid, bridge: bridge)
        try "\(tap.name)\n".write(toFile: files.tap, atomically: true, encoding: .utf8)
        do {
            try await tap.create()
        } catch {
            throw QemuVMError.noTap(vm.name, tap.name, vm.typed.networkType, "\(error)")
        }
        return tap
    }

    /// qemu's command line for a VM: a pure function, tested on its own.
    static func arguments(
        _ spec: VirtualMachineSpec, name: String, files: Files, options: Options, kvm: Bool,
        boot: [String], seed: String? = nil, tap: TapDevice? = nil
    ) throws -> [String] {
        var args = [
            "-name", "kiln-\(name)",
            "-machine", kvm ? "accel=kvm" : "accel=tcg",
            "-m", "\(spec.memory.bytes >> 20)M",
            "-smp", "\(spec.cpus)",
            "-drive", "file=\(files.disk),if=virtio,format=qcow2"
        ]
        if let seed {
            // After the disk, so the guest's root stays the first virtio disk; found by its CIDATA label.
            args += ["-drive", "file=\(seed),if=virtio,format=raw,readonly=on"]
        }
        args += [
            "-display", "none",
            "-serial", "file:\(files.console)",
            "-monitor", "none",
            // Relative to the VM's folder (qemu starts there): a socket path holds at most 107 bytes, a data dir may not.
            "-qmp", "unix:\(Files.qmpName),server=on,wait=off",
            "-qmp", "unix:\(Files.kilnMonitorName),server=on,wait=off",
            // The guest agent's channel: guestOs and ipAddress come from qemu-guest-agent when the guest runs one.
            "-chardev", "socket,path=\(Files.agentName),server=on,wait=off,id=qga0",
            "-device", "virtio-serial-pci", "-device", "virtserialport,chardev=qga0,name=org.qemu.guest_agent.0",
            "-pidfile", files.pidfile,
            "-daemonize"
        ]
        switch spec.networkType {
        case .nat:
            // Forwards listen on the host's loopback only: a guest's port is never opened to the network by Kiln.
            let forwards = spec.forwards.map { ",hostfwd=tcp:127.0.0.1:\($0.host)-:\($0.guest)" }.joined()
            args += ["-nic", "user,model=virtio-net-pci" + forwards]
        case .hostonly:
            guard let tap else { throw QemuVMError.noHostOnlyNetwork(name) }
            args += tap.qemuArguments
        case .bridged:
            guard options.bridge != nil else { throw QemuVMError.noBridge(name) }
            guard let tap else { throw QemuVMError.bridgeMissing(name, options.bridge ?? "") }
            args += tap.qemuArguments
        }
        return args + boot
    }

    /// How the VM's disk boots, read from its first sectors as the guest sees them (through the overlay, with the
    /// format given, so qemu-img probes nothing).
    func diskBoot(_ files: Files) async throws -> DiskBoot {
        try? FileManager.default.removeItem(atPath: files.bootSample)
        defer { try? FileManager.default.removeItem(atPath: files.bootSample) }
        try await Tool.run(
            "qemu-img",
            [
                "dd", "-f", "qcow2", "-O", "raw", "bs=\(DiskBootSniffer.bytesNeeded)", "count=1",
                "if=\(files.disk)", "of=\(files.bootSample)"
            ])
        let bytes = FileManager.default.contents(atPath: files.bootSample).map(Array.init) ?? []
        return DiskBootSniffer.detect(bytes)
    }

    /// Powers the guest off the way a person would: ACPI's power button (`system_powerdown`), then, after the grace
    /// period, qemu's `quit`, and SIGKILL to the recorded process only if qemu ignores even that.
    public func stop(_ vm: VMRecord) async throws -> VMObservation {
        guard let directory = vm.directory else { return VMObservation(status: .poweredOff) }
        let files = Files(directory: directory)
        await monitors.close(key: directory)
        if let process = runningProcess(files) {
            _ = try? await QMPClient(socket: files.qmp, timeout: options.commandTimeout).execute("system_powerdown")
            if !(await Self.waitForExit(process, within: options.stopGrace)) {
                try await end(process, files: files)
            }
        }
        try await TapDevice.deleteRecorded(in: files)
        return VMObservation(status: .poweredOff)
    }

    /// Stops the VM's process for good, at once (its files go to the tombstone area next).
    public func destroy(_ vm: VMRecord) async throws {
        guard let directory = vm.directory else { return }
        let files = Files(directory: directory)
        await monitors.close(key: directory)
        if let process = runningProcess(files) {
            try await end(process, files: files)
        }
        try await TapDevice.deleteRecorded(in: files)
    }

    /// `quit` through the monitor, then SIGKILL to this very process (pid and start time) if it is still there.
    func end(_ process: WorkerProcess, files: Files) async throws {
        // qemu may already be quitting or wedged: the process check decides, and SIGKILL is the fallback.
        _ = try? await QMPClient(socket: files.qmp, timeout: options.commandTimeout).execute("quit")
        if await Self.waitForExit(process, within: .seconds(10)) { return }
        if ProcessIdentity.isAlive(process) { kill(process.pid, SIGKILL) }
        guard await Self.waitForExit(process, within: .seconds(30)) else { throw QemuVMError.wontStop(process.pid) }
    }

    /// Waits until `process` is gone (or a zombie); false if it still runs after `limit`.
    static func waitForExit(_ process: WorkerProcess, within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ProcessIdentity.isAlive(process) {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return true
    }

    public func observe(_ vm: VMRecord) async -> VMObservation {
        guard let directory = vm.directory else { return VMObservation(status: .waiting) }
        let files = Files(directory: directory)
        guard let (process, commandLine) = runningQemu(files) else {
            await monitors.close(key: directory)
            return VMObservation(
                status: .poweredOff, message: "its qemu process is not running",
                consoleTail: vm.guestReady ? nil : Self.consoleTail(files.console))
        }
        return await observe(vm, files: files, process: process, commandLine: commandLine)
    }

    func observe(
        _ vm: VMRecord, files: Files, process: WorkerProcess, commandLine: String? = nil
    ) async -> VMObservation {
        var status = VMRecord.Status.poweredOn
        var message: String?
        let sameProcess = vm.pid == process.pid && vm.pidStartTime == process.startTime
        // While the guest agent is waited for, the same monitor session says whether the guest has opened the
        // agent's port (`query-chardev`, frontend-open): a guest without an agent is then never asked, and never
        // costs the pass the agent's deadline.
        // What the agent said holds for the process that said it; but an agent that answered before the guest's DHCP
        // was done gave no address, so it is asked again, while toolsInitTimeout runs, until it gives one.
        let known = sameProcess && vm.guestOs != nil && vm.ipAddress != nil
        let wantsAgent = !known && Self.asksAgent(vm, sameProcess: sameProcess, now: Date())
        let commands = [QMPCommand("query-status")] + (wantsAgent ? [QMPCommand("query-chardev")] : [])
        let answers = await monitorSession(files, process: process, commands)
        // A monitor that does not answer in time says nothing about the guest: the process runs, so it counts as on.
        if let state = answers?.first?["status"]?.string, state != "running" {
            if state == "shutdown" || state == "paused" {
                status = .poweredOff
                message = "its qemu monitor reports \(state)"
            }
        }
        let agentOpen = (answers?.dropFirst().first?.list ?? []).contains {
            $0["label"]?.string == "qga0" && $0["frontend-open"] == .bool(true)
        }
        var ready = status == .poweredOn
        if ready, let marker = vm.typed.readyConsoleContains {
            // Readiness is sticky while the same process runs: the console is read only until the marker shows.
            ready = (vm.guestReady && sameProcess) || Self.consoleContains(files.console, marker)
        }
        let commandLine = commandLine ?? ProcessIdentity.commandLine(process.pid)
        let acceleration = commandLine.contains("accel=kvm") ? "kvm" : commandLine.contains("accel=tcg") ? "tcg" : nil
        var guest: GuestInfo?
        if status == .poweredOn {
            if wantsAgent, agentOpen {
                guest = await Self.askAgent(files.agent, timeout: options.agentTimeout)
            }
            if guest == nil, sameProcess, let os = vm.guestOs {
                // Known for this process: the agent is not asked again on every pass.
                guest = GuestInfo(os: os, ipAddress: vm.ipAddress)
            }
        }
        var ipAddress = guest?.ipAddress
        if status == .poweredOn, vm.typed.networkType == .hostonly, let hostOnly {
            // A dnsmasq that died behind Kiln's back is started again (no tool runs while it is up).
            try? await hostOnly.ensure()
            // dnsmasq's lease for the VM's MAC: an address even from a guest without an agent.
            if ipAddress == nil {
                ipAddress = hostOnly.leasedAddress(
                    mac: TapDevice(uuid: vm.uuid, bridge: hostOnly.configuration.bridge).mac)
            }
        }
        return VMObservation(
            status: status, process: process, qmpSocket: files.qmp, ipAddress: ipAddress,
            guestOs: guest?.os, ready: ready, message: message,
            acceleration: acceleration, consoleTail: ready ? nil : Self.consoleTail(files.console),
            network: attachment(vm))
    }

    /// Where the VM's card is plugged (nil for `nat`): its tap device, the bridge that device is on now (read from
    /// `/sys`, so a running VM shows the bridge it really uses even after the operator's flags changed), or the
    /// configured bridge while the device is not there, and the MAC address qemu was given.
    func attachment(_ vm: VMRecord) -> VMNetworkAttachment? {
        let configured: String
        switch vm.typed.networkType {
        case .nat: return nil
        case .hostonly: configured = options.hostonlyBridge
        case .bridged: configured = options.bridge ?? ""
        }
        let tap = TapDevice(uuid: vm.uuid, bridge: configured)
        let master = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/sys/class/net/\(tap.name)/master"))
            .map { ($0 as NSString).lastPathComponent }
        return VMNetworkAttachment(bridge: master ?? configured, tap: tap.name, mac: tap.mac)
    }

    /// The monitor's answers to `commands`, nil when it does not answer in time. Asked through Kiln's kept connection
    /// when qemu has Kiln's own monitor; VMs started by an older Kiln (only `qmp.sock`), and a connection that another
    /// caller is using, are asked in a session of their own on `qmp.sock`.
    func monitorSession(_ files: Files, process: WorkerProcess, _ commands: [QMPCommand]) async -> [SpecValue]? {
        if access(files.kilnMonitor, F_OK) == 0 {
            do {
                if let answers = try await monitors.session(
                    key: files.directory, socket: files.kilnMonitor, process: process,
                    commands: commands, timeout: options.monitorTimeout)
                {
                    return answers
                }
            } catch {
                return nil
            }
        }
        return try? await QMPClient(socket: files.qmp, timeout: options.monitorTimeout).session(commands)
    }

    /// What the guest agent says of the guest.
    struct GuestInfo: Sendable, Hashable {
        var os: String
        var ipAddress: String?
    }

    /// Whether to ask the guest agent now: the spec waits for one (`toolsInitTimeout` above zero) and its wait, which
    /// counts from the process's start, has not passed. Afterwards the status says the agent is missing.
    static func asksAgent(_ vm: VMRecord, sameProcess: Bool, now: Date) -> Bool {
        let wait = vm.typed.toolsInitTimeout.seconds
        guard wait > 0 else { return false }
        let started = sameProcess ? (vm.bootStartedAt ?? now) : now
        return now.timeIntervalSince(started) <= wait
    }

    /// `guest-get-osinfo` and `guest-network-get-interfaces` through qemu-guest-agent, with a short deadline: a guest
    /// without an agent never answers, and the pass must not wait for it.
    static func askAgent(_ socket: String, timeout: Duration = .seconds(2)) async -> GuestInfo? {
        guard FileManager.default.fileExists(atPath: socket),
            let answers = try? await QMPClient(socket: socket, dialect: .guestAgent, timeout: timeout)
                .session([QMPCommand("guest-get-osinfo"), QMPCommand("guest-network-get-interfaces")]),
            answers.count == 2
        else { return nil }
        return guestInfo(osinfo: answers[0], interfaces: answers[1])
    }

    /// The guest's OS (its pretty name) and its first IPv4 address off loopback, from the agent's answers.
    static func guestInfo(osinfo: SpecValue, interfaces: SpecValue) -> GuestInfo? {
        guard let os = osinfo["pretty-name"]?.string ?? osinfo["name"]?.string else { return nil }
        var address: String?
        for interface in interfaces.list ?? [] where interface["name"]?.string != "lo" {
            if let ip = (interface["ip-addresses"]?.list ?? []).first(where: {
                $0["ip-address-type"]?.string == "ipv4" && !($0["ip-address"]?.string ?? "").hasPrefix("127.")
            })?["ip-address"]?.string {
                address = ip
                break
            }
        }
        return GuestInfo(os: os, ipAddress: address)
    }

    /// Whether the console log holds `marker` (read in chunks, never whole into memory).
    static func consoleContains(_ path: String, _ marker: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let needle = Array(marker.utf8)
        var carry: [UInt8] = []
        while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            let window = carry + chunk
            if window.count >= needle.count,
                (0...(window.count - needle.count)).contains(where: {
                    window[$0] == needle[0] && window[$0..<$0 + needle.count].elementsEqual(needle)
                })
            {
                return true
            }
            carry = Array(window.suffix(needle.count - 1))
        }
        return false
    }

    /// The console's last lines (at most 20, from its last 16 KiB), printable characters only.
    static func consoleTail(_ path: String, lines: Int = 20) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > 16384 ? size - 16384 : 0)
        guard let data = try? handle.readToEnd(), !data.isEmpty else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        let clean = text.unicodeScalars.filter { $0 == "\n" || $0 == "\t" || ($0.value >= 0x20 && $0.value != 0x7F) }
        let kept = String(String.UnicodeScalarView(clean)).split(separator: "\n", omittingEmptySubsequences: true)
            .suffix(lines)
        return kept.isEmpty ? nil : kept.joined(separator: "\n")
    }

    /// The qemu process of this folder, if it runs: the pidfile names it and its command line names the folder.
    func runningProcess(_ files: Files) -> WorkerProcess? {
        runningQemu(files)?.process
    }

    /// The running qemu of this folder and its command line: one read of the pidfile, of `/proc/PID/stat` and of
    /// its command line (this runs for every VM on every pass).
    func runningQemu(_ files: Files) -> (process: WorkerProcess, commandLine: String)? {
        guard let text = try? String(contentsOfFile: files.pidfile, encoding: .utf8),
            let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)),
            let stat = ProcessIdentity.stat(pid), !stat.isZombie
        else { return nil }
        let commandLine = ProcessIdentity.commandLine(pid)
        guard commandLine.contains(files.disk) else { return nil }
        return (WorkerProcess(pid: pid, startTime: stat.startTime), commandLine)
    }
}

enum QemuVMError: Error, CustomStringConvertible, ActionFailureConvertible {
    case noImageFile(String)
    case notProvisioned(String)
    case didNotStart(String, String)
    case noBridge(String)
    case bridgeMissing(String, String)
    case noHostOnlyNetwork(String)
    case noTap(String, String, NetworkType, String)
    case userDataSecret(String, String)
    case wontStop(Int32)
    case folderGone(String, String)

    var description: String {
        switch self {
        case .noImageFile(let image): "Image \(image) has no disk file to boot from"
        case .notProvisioned(let vm): "VirtualMachine \(vm) has no disk yet"
        case .didNotStart(let vm, let console): "qemu for VirtualMachine \(vm) did not start; console: \(console)"
        case .noBridge(let vm):
            "VirtualMachine \(vm) asks for a bridged network, but no bridge is configured (start Kiln with --vm-bridge BRIDGE)"
        case .bridgeMissing(let vm, let bridge):
            "VirtualMachine \(vm) asks for a bridged network, but --vm-bridge \(bridge) is not a bridge on this host (create it, or start Kiln with another --vm-bridge)"
        case .noHostOnlyNetwork(let vm):
            "VirtualMachine \(vm) asks for a host-only network, but this Kiln has no data dir for its dnsmasq (--vm-hostonly-bridge needs kiln sync or serve)"
        case .noTap(let vm, let tap, let network, let why):
            "the tap device \(tap) of VirtualMachine \(vm) cannot be made (Kiln needs CAP_NET_ADMIN for networkType: \(network.rawValue); see \(network == .bridged ? "--vm-bridge" : "--vm-hostonly-bridge")): \(why)"
        case .userDataSecret(let vm, let why):
            "the cloud-init user-data of VirtualMachine \(vm) names a secret Kiln cannot read: \(why)"
        case .wontStop(let pid): "qemu process \(pid) did not end even after SIGKILL"
        case .folderGone(let vm, let folder):
            "the disk of VirtualMachine \(vm) is gone from \(folder) (removed behind Kiln's back); Kiln makes it again from its image"
        }
    }

    var actionFailure: ActionFailure {
        switch self {
        case .noBridge, .bridgeMissing, .noHostOnlyNetwork, .noTap: ActionFailure(.noBridge, description)
        case .userDataSecret: ActionFailure(.badRequest, description)
        case .noImageFile, .notProvisioned, .didNotStart, .wontStop: ActionFailure(.driverError, description)
        case .folderGone: ActionFailure(.notFound, description)
        }
    }
}
