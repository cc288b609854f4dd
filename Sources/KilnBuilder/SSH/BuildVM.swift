import KilnSpec

/// The throwaway VM of a `provisioner: ssh` execution: qemu booting the build's own raw disk (writable: what the
/// scripts do is the image), headless, its serial console in a file, user-mode network with one loopback port
/// forwarded to the guest's 22 and, unless a script asks for `network: true`, no way out (`restrict=on`).
///
/// qemu runs under a ``Lifeline``, in a process group of its own: a cancelled execution kills the group, and a build
/// worker that dies (even by SIGKILL) takes qemu with it. Every way out of ``SSHProvisionStep`` waits for ``stop()``
/// or a power-off, so no qemu outlives its execution.
final class BuildVM: Sendable {
    struct Configuration: Sendable, Hashable {
        var disk: String
        var firmware: Firmware
        var variableStore: String?
        var accelerator: String
        var memoryMiB: Int = 1024
        var network: Bool
        /// Relative to the work folder (qemu's working directory): a unix socket path has at most 108 bytes.
        var console: String = "build-vm-console.log"
        var monitor: String = "build-vm-qmp.sock"
        /// The disk's own kernel and initrd, handed to qemu directly; nil boots through the firmware and the disk's
        /// boot loader.
        var directBoot: DirectBoot?
    }

    /// `-kernel`/`-initrd`/`-append`: the kernel and initrd the disk's boot loader would load (the copies Kiln
    /// put on its EFI system partition), with the same command line, booting the same root partition. It skips
    /// only the boot loader's reads through the firmware, which are slow under TCG (SYSLINUX takes 10-30 s to load
    /// Debian's 36 MB initrd through BIOS calls on a busy host; qemu's fw_cfg DMA takes well under a second). The
    /// boot loader itself is still what boot verification boots.
    struct DirectBoot: Sendable, Hashable {
        var kernel: String
        var initrd: String?
        var commandLine: String
    }

    /// qemu's command line: a table-tested pure function.
    static func arguments(_ c: Configuration) -> [String] {
        [
            "-name", "kiln-build-vm", "-machine", "pc,accel=\(c.accelerator)", "-m", "\(c.memoryMiB)M", "-smp", "1",
            "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
            "-serial", "file:\(c.console)", "-qmp", "unix:\(c.monitor),server=on,wait=off",
            "-drive", "file=\(c.disk),format=raw,if=virtio,cache=unsafe,discard=unmap",
            "-netdev", "user,id=net0,restrict=\(c.network ? "off" : "on"),hostfwd=tcp:127.0.0.1:0-:22",
            "-device", "virtio-net-pci,netdev=net0,mac=\(BuildVMAccess.macAddress)",
            "-device", "virtio-rng-pci"
        ]
            + c.firmware.qemuArguments(variableStore: c.variableStore)
            + (c.directBoot.map { boot in
                ["-kernel", boot.kernel] + (boot.initrd.map { ["-initrd", $0] } ?? []) + ["-append", boot.commandLine]
            } ?? [])
    }

    let folder: String
    let configuration: Configuration
    private let process: Task<Void, Never>
    private let ending: Ending

    var consolePath: String { "\(folder)/\(configuration.console)" }

    /// Starts qemu in `folder` (the work folder); returns at once.
    init(
        configuration: Configuration, qemu: String, shell: String, folder: String, runner: ProcessRunner
    ) throws(BuildError) {
        self.folder = folder
        self.configuration = configuration
        try? FileSystem.removeTree("\(folder)/\(configuration.console)")
        try? FileSystem.removeTree("\(folder)/\(configuration.monitor)")
        let lifeline = try Lifeline()
        let ending = Ending()
        self.ending = ending
        let arguments = Lifeline.arguments(name: "kiln-build-vm", executable: qemu, Self.arguments(configuration))
        process = Task {
            let text: String
            do {
                let outcome = try await runner.run(
                    shell, arguments, stdin: lifeline.readEnd, workingDirectory: folder,
                    onStart: { await ending.started($0) })
                text =
                    outcome.status.description
                    + (outcome.tail.isEmpty ? "" : ": " + outcome.tail.suffix(3).joined(separator: " | "))
            } catch {
                text = "\(error)"
            }
            // The wrapper is reaped, but qemu and the watcher, killed with its process group, may still be dying.
            if let group = await ending.group { await Self.waitUntilGone(group: group) }
            // The lifeline's write end lives as long as this task: until qemu has ended.
            withExtendedLifetime(lifeline) {}
            await ending.set(text)
        }
    }

    /// Waits until no process of `group` runs any more (a SIGKILL is sent, not yet landed), checking every 20 ms; a
    /// deadline only catches a process the kernel cannot end. Not cancelled with the caller: it only waits.
    private static func waitUntilGone(group: Int32) async {
        await Task.detached {
            let start = ContinuousClock.now
            while !ProcessTable.liveMembers(ofGroup: group).isEmpty, start.duration(to: .now) < .seconds(300) {
                try? await Task.sleep(for: .milliseconds(20))
            }
        }.value
    }

    /// How qemu ended, once it has (`exit code 0` after a power-off).
    var ended: String? {
        get async { await ending.text }
    }

    /// Kills qemu's process group and returns once every process of it is gone.
    func stop() async {
        process.cancel()
        await process.value
    }

    /// Waits until qemu ends by itself, checking every quarter second, for at most `deadline`; true when it did.
    func waitForEnd(within deadline: Duration) async -> Bool {
        let start = ContinuousClock.now
        while start.duration(to: .now) < deadline {
            if await ended != nil { return true }
            try? await Task.sleep(for: .milliseconds(250))
        }
        return await ended != nil
    }

    /// The loopback port forwarded to the guest's SSH server, asked of qemu's monitor (qemu picked it: no race for a
    /// free port). Retries while qemu starts; nil when qemu ended or never answered within `deadline`.
    func forwardedPort(within deadline: Duration) async -> Result<Int, QMPConnection.Failure> {
        let start = ContinuousClock.now
        var last = QMPConnection.Failure.unreachable("qemu has not opened it yet")
        while start.duration(to: .now) < deadline, await ended == nil {
            switch await QMPConnection.send(
                folder: folder, socket: configuration.monitor,
                commands: [#"{"execute":"human-monitor-command","arguments":{"command-line":"info usernet"}}"#])
            {
            case .success(let answers):
                if let port = answers.first.flatMap({ QMPConnection.forwardedPort(usernet: $0) }) {
                    return .success(port)
                }
                return .failure(.protocolError("info usernet shows no forward to port 22: \(answers.first ?? "")"))
            case .failure(let failure):
                last = failure
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        return .failure(last)
    }

    /// QMP `quit`: qemu ends at once (the guest's disk is flushed, but its filesystems were not unmounted).
    func quit() async -> Result<[String], QMPConnection.Failure> {
        await QMPConnection.send(folder: folder, socket: configuration.monitor, commands: [#"{"execute":"quit"}"#])
    }

    func consoleTail() -> [String] {
        BootCheck.tail(consolePath)
    }

    private actor Ending {
        var text: String?
        /// The wrapper's pid: its process group holds qemu and the lifeline's watcher.
        var group: Int32?
        func set(_ value: String) { text = value }
        func started(_ pid: Int32) { group = pid }
    }
}
