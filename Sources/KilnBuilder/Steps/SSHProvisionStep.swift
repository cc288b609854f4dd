import Glibc
import KilnSpec

/// `provisioner: ssh`, after the disk is made: boots it in a throwaway VM (``BuildVM``), waits for its SSH server
/// (at most `sshTimeout`), runs `bootScript`, `preseedScript`, then `scripts` by phase over SSH, each with its
/// timeout and its output in the execution log (secrets masked), then runs the last step (Kiln's access removed, see
/// ``BuildVMAccess``) and ends the guest: QMP `quit` once its disk filesystems are read-only (``BuildVMPowerOff``),
/// else `poweroff` in the guest, QMP `quit` after a grace period. The raw disk the VM wrote is the build's disk;
/// conversion and boot verification follow as for any build.
///
/// Whatever happens (a failure, a timeout, a cancellation) the step returns only once qemu is gone.
struct SSHProvisionStep: BuildStep {
    func run(_ context: inout BuildContext) async throws(BuildError) {
        guard let credentials = context.buildVM, let raw = context.disks.first(where: { $0.format == .raw }) else {
            return
        }
        let spec = context.request.spec
        await context.enter(.bootingBuildVM)
        let locator = context.tools.locator
        let kind: Firmware.Kind = context.boot.bootsUnderBIOS ? .bios : .uefi
        let firmware: Firmware
        do { firmware = try Firmware.locate(kind) } catch { throw .unsupported(error.description) }
        var variableStore: String?
        if firmware.variablesTemplate != nil {
            variableStore = context.work.root + "/build-vm-vars.fd"
            do { try firmware.makeVariableStore(at: variableStore!) } catch { throw .unsupported(error.description) }
        }
        let accelerator = await context.request.accelerator("\(context.work.root)/esp/\(BootConfiguration.kernelFile)")
        let network = spec.orderedScripts.contains(where: \.network)
        var configuration = BuildVM.Configuration(
            disk: raw.path, firmware: firmware, variableStore: variableStore,
            accelerator: accelerator, network: network)
        configuration.directBoot = Self.directBoot(
            espStaging: context.work.root + "/esp", commandLine: context.kernelCommandLine)
        if let boot = configuration.directBoot, accelerator == "tcg" {
            let started = ContinuousClock.now
            let early = context.buildVMBootFiles
            let prepared: BuildVMBootFiles.Prepared
            if let early {
                prepared = await early.value
            } else {
                prepared = await BuildVMBootFiles.prepare(
                    kernel: boot.kernel, initrd: boot.initrd, folder: context.work.root + "/build-vm-boot",
                    runner: context.runner, locator: locator)
            }
            if Task.isCancelled { throw .cancelled }
            configuration.directBoot = prepared.applied(to: boot)
            await context.log.write(
                "Booting build VM",
                "for the TCG boot: \(prepared.notes.joined(separator: "; ")) (\(early == nil ? "took" : "waited for it") \(Self.tenths(started.duration(to: .now))))"
            )
        } else {
            context.buildVMBootFiles?.cancel()
        }
        let vm = try BuildVM(
            configuration: configuration, qemu: try locator.locate(.qemuSystem), shell: try locator.locate(.sh),
            folder: context.work.root, runner: context.runner)
        let how =
            configuration.directBoot == nil
            ? "boots the disk"
            : "boots the disk's own kernel and initrd (-kernel, root by PARTUUID; its boot loader is what boot verification boots)"
        await context.log.write(
            "Booting build VM",
            "qemu (\(accelerator), \(BootVerifyStep.name(kind))) \(how), \(network ? "with outside network (a script asks for network: true)" : "with no outside network"); console in \(vm.consolePath)"
        )
        do {
            try await provision(vm, credentials: credentials, context: &context)
        } catch {
            await vm.stop()
            await Self.closeSharedConnection(credentials: credentials, context: context)
            try? FileSystem.removeTree(credentials.folder + "/password")
            throw Task.isCancelled ? .cancelled : error
        }
        await Self.closeSharedConnection(credentials: credentials, context: context)
        try? FileSystem.removeTree(credentials.folder + "/password")
    }

    /// Ends the shared SSH connection's master, if one is left (the guest's power-off ends it by itself). Bounded, and
    /// not cancelled with the execution: it runs on the way out of a cancelled one too.
    static func closeSharedConnection(credentials: BuildVMCredentials, context: BuildContext) async {
        guard let controlPath = SSHClient.controlPath(in: credentials.folder), FileSystem.exists(controlPath),
            let ssh = try? context.tools.locator.locate(.ssh)
        else { return }
        let runner = context.runner
        let path = runner.environment["PATH"] ?? "/usr/bin:/bin"
        _ = await Task.detached {
            try? await runner.run(
                ssh, SSHClient.closeArguments(controlPath: controlPath),
                environment: ["PATH": path, "LC_ALL": "C", "HOME": credentials.folder], timeout: .seconds(20))
        }.value
    }

    /// The disk's kernel and initrd as ``BootDiskWriter`` staged them for its EFI system partition, when both the
    /// kernel and the command line are known; nil boots through the firmware.
    static func directBoot(espStaging: String, commandLine: String?) -> BuildVM.DirectBoot? {
        let kernel = "\(espStaging)/\(BootConfiguration.kernelFile)"
        let initrd = "\(espStaging)/\(BootConfiguration.initrdFile)"
        guard let commandLine, FileSystem.exists(kernel) else { return nil }
        return BuildVM.DirectBoot(
            kernel: kernel, initrd: FileSystem.exists(initrd) ? initrd : nil, commandLine: commandLine)
    }

    private func provision(
        _ vm: BuildVM, credentials: BuildVMCredentials, context: inout BuildContext
    ) async throws(BuildError) {
        let spec = context.request.spec
        let port: Int
        switch await vm.forwardedPort(within: .seconds(300)) {
        case .success(let found): port = found
        case .failure(let failure):
            if Task.isCancelled { throw .cancelled }
            let ended = await vm.ended
            throw .buildVMFailed(
                reason: ended.map { "qemu ended (\($0)) as it started" } ?? failure.description,
                consoleTail: vm.consoleTail())
        }
        let client = try makeClient(port: port, credentials: credentials, context: context)
        await context.log.write("Booting build VM", "SSH forwarded from 127.0.0.1:\(port) to the guest's port 22")

        await context.enter(.waitingForSSH)
        try await waitForSSH(vm, client: client, timeout: spec.sshTimeout, context: context)

        for script in spec.orderedScripts {
            await context.enter(.provisioning(script: script.name))
            try await runScript(script, vm: vm, client: client, context: context)
        }

        await context.enter(.poweringOff)
        try await powerOff(vm, client: client, access: credentials.access, context: context)
    }

    private func makeClient(
        port: Int, credentials: BuildVMCredentials, context: BuildContext
    ) throws(BuildError) -> SSHClient {
        let ssh = try context.tools.locator.locate(.ssh)
        let authentication: SSHClient.Authentication
        if let reference = context.request.spec.sshPassword {
            let password = try context.request.secrets.resolve(reference)
            let file = credentials.folder + "/password"
            let askpass = credentials.folder + "/askpass"
            try? FileSystem.removeTree(file)
            try? FileSystem.removeTree(askpass)
            try FileSystem.writeNewFile(file, Array(password.utf8), mode: 0o600)
            try FileSystem.writeNewFile(askpass, Array(SSHClient.askpassProgram(passwordFile: file).utf8), mode: 0o700)
            authentication = .password(askpass: askpass)
        } else if let key = credentials.privateKey {
            authentication = .key(key)
        } else {
            preconditionFailure("SSHAccessStep makes a key when there is no sshPassword")
        }
        return SSHClient(
            ssh: ssh, port: port, username: credentials.access.username, knownHosts: credentials.knownHosts,
            authentication: authentication, home: credentials.folder,
            controlPath: SSHClient.controlPath(in: credentials.folder))
    }

    /// Tries `ssh … true` once a second until it works, the VM ends, a refusal says waiting is pointless, or
    /// `sshTimeout` passes (failing with the console's last lines).
    ///
    /// Each try's connect timeout comes from ``ProbeTimeouts``: qemu's user-mode network accepts the connection on the
    /// host at once, and while the guest has no network yet ssh waits out its whole timeout for a banner that cannot
    /// come; a long timeout then makes Kiln notice the SSH server only seconds after it started.
    private func waitForSSH(
        _ vm: BuildVM, client: SSHClient, timeout: SpecDuration, context: BuildContext
    ) async throws(BuildError) {
        let started = ContinuousClock.now
        var lastReason = "no answer yet"
        var lastLogged: ContinuousClock.Instant?
        var probes = ProbeTimeouts()
        while true {
            if let ended = await vm.ended {
                throw .buildVMFailed(
                    reason: "qemu ended (\(ended)) before its SSH server answered", consoleTail: vm.consoleTail())
            }
            let remaining = timeout.duration - started.duration(to: .now)
            guard remaining > .zero else {
                throw .sshTimedOut(timeout: timeout.description, lastError: lastReason, consoleTail: vm.consoleTail())
            }
            let connectTimeout = max(1, min(probes.next, Int(remaining.components.seconds)))
            let outcome = try await ssh(
                client, remote: "true", connectTimeout: connectTimeout,
                timeout: .seconds(connectTimeout + 60), context: context)
            if outcome.succeeded { break }
            probes.record(outcome.tail)
            if let permanent = SSHClient.permanentFailure(
                outcome.tail, username: client.username, usesPassword: client.usesPassword)
            {
                throw .buildVMFailed(reason: permanent, consoleTail: [])
            }
            lastReason = outcome.tail.last(where: { !$0.isEmpty }) ?? outcome.status.description
            if lastLogged.map({ $0.duration(to: .now) > .seconds(30) }) ?? true {
                lastLogged = .now
                await context.log.write(
                    "Waiting for SSH",
                    "not yet (\(lastReason)); \(Self.seconds(started.duration(to: .now))) of \(timeout)")
            }
            try? await Task.sleep(for: .seconds(1))
            if Task.isCancelled { throw .cancelled }
        }
        await context.log.write(
            "Waiting for SSH", "SSH answered \(Self.seconds(started.duration(to: .now))) after the VM started")
    }

    private func runScript(
        _ script: ImageBuildSpec.Script, vm: BuildVM, client: SSHClient, context: BuildContext
    ) async throws(BuildError) {
        let bytes: [UInt8]
        do {
            bytes = try context.request.files.read(script.path)
        } catch {
            throw .scriptUnreadable(script: script.name, path: script.path, reason: String(describing: error))
        }
        var secrets: [String: String] = [:]
        for (name, reference) in script.secretEnv.sorted(by: { $0.key < $1.key }) {
            let value = try context.request.secrets.resolve(reference)
            await context.log.addSecret(value)
            secrets[name] = value
        }
        var environment = ScriptEnvironment.variables(
            script: script, secrets: secrets, buildName: context.request.buildName,
            buildNumber: context.request.buildNumber, sshUsername: client.username,
            sourceDateEpoch: context.request.sourceDateEpoch)
        // The login's own HOME stays; the root filesystem is the guest's own.
        environment["HOME"] = nil
        environment["KILN_ROOTFS"] = "/"
        environment["KILN_PROVISIONER"] = "ssh"
        let program = RemoteScript.program(
            script: bytes, interpreter: try SandboxCommand.interpreterPath(script.interpreter),
            environment: environment)
        let log = context.log
        let limit = context.request.limits.maxScriptLogBytes
        let name = script.name
        await log.write(
            name,
            "starting \(script.path) (\(script.phase.rawValue), \(script.interpreter), timeout \(script.timeout)\(script.network ? ", network" : "")) over SSH as \(client.username)"
        )
        let started = ContinuousClock.now
        let outcome = try await ssh(
            client, remote: "sh -s", input: Array(program.utf8), timeout: script.timeout.duration,
            context: context
        ) { line in
            await log.writeOutput(name, line, limit: limit)
        }
        await log.write(name, "\(outcome.status) after \(Self.seconds(started.duration(to: .now)))")
        switch outcome.status {
        case .exited(0): return
        case .exited(255):
            throw .buildVMFailed(
                reason:
                    "script \(name): ssh ended with code 255: the script exited with 255, or the connection to the build VM was lost (see the execution log)",
                consoleTail: await vm.ended == nil ? [] : vm.consoleTail())
        case .exited(let code): throw .scriptFailed(script: name, exitCode: code)
        case .signaled(let signal): throw .scriptKilled(script: name, signal: signal)
        case .timedOut: throw .scriptTimedOut(script: name, timeout: script.timeout.description)
        }
    }

    /// The last step, then the end of the guest: QMP `quit` when the last step left its disk filesystems read-only
    /// (the root filesystem checked afterwards), else the guest's `poweroff`, then QMP `quit` after the grace period,
    /// then SIGKILL.
    private func powerOff(
        _ vm: BuildVM, client: SSHClient, access: BuildVMAccess, context: BuildContext
    ) async throws(BuildError) {
        let log = context.log
        let remote = access.username == "root" ? "sh -s" : "sudo -n sh -s"
        let outcome = try await ssh(
            client, remote: remote, input: Array(access.cleanupProgram.utf8), timeout: .seconds(600),
            context: context
        ) { line in
            await log.writeOutput("Powering off", line, limit: 1 << 16)
        }
        guard outcome.tail.contains(BuildVMAccess.removedMarker) else {
            throw .buildVMFailed(
                reason:
                    "the last step could not remove Kiln's access from the image (\(outcome.status)\(access.username == "root" ? "" : "; a user other than root needs sudo without a password")): \(outcome.tail.suffix(5).joined(separator: " | "))",
                consoleTail: [])
        }
        let started = ContinuousClock.now
        if outcome.tail.contains(BuildVMPowerOff.readOnlyMarker) {
            if case .failure(let failure) = await vm.quit() { await log.write("Powering off", "\(failure)") }
            if await !vm.waitForEnd(within: .seconds(60)) { await vm.stop() }
            await log.write(
                "Powering off",
                "the guest's disk filesystems were read-only: qemu quit (\(await vm.ended ?? "killed")) after \(Self.tenths(started.duration(to: .now)))"
            )
            try await checkRootFilesystem(context: context)
            return
        }
        await log.write("Powering off", "a disk filesystem stayed read-write in the guest: it powers off")
        let grace = context.request.limits.powerOffGrace
        if await !vm.waitForEnd(within: grace) {
            await log.write("Powering off", "the guest did not power off within \(Self.seconds(grace)): QMP quit")
            if case .failure(let failure) = await vm.quit() { await log.write("Powering off", "\(failure)") }
            if await !vm.waitForEnd(within: .seconds(60)) { await vm.stop() }
        }
        await log.write(
            "Powering off",
            "the build VM is off (qemu: \(await vm.ended ?? "killed")) after \(Self.seconds(started.duration(to: .now)))"
        )
    }

    /// After qemu quit on read-only filesystems: the root filesystem's superblock must say what an unmount leaves
    /// (see ``BuildVMPowerOff``); if it does not, `e2fsck -p` does what the next boot would, and anything it cannot
    /// repair fails the build.
    private func checkRootFilesystem(context: BuildContext) async throws(BuildError) {
        guard let raw = context.disks.first(where: { $0.format == .raw }) else { return }
        let offset = context.layout?.rootOffset ?? 0
        let superblock = try FileBytes.prefix(raw.path, count: 1024, offset: Int64(offset) + 1024)
        guard let problem = BuildVMPowerOff.rootProblem(superblock: superblock) else {
            await context.log.write("Powering off", "root filesystem clean (superblock checked)")
            return
        }
        await context.log.write("Powering off", "after qemu quit \(problem): e2fsck -p")
        let fsck = try await context.runner.run(
            try context.tools.locator.locate(.e2fsck), ["-p", "\(raw.path)?offset=\(offset)"], timeout: .seconds(600))
        guard case .exited(let code) = fsck.status, code < 4 else {
            throw .toolFailed(
                tool: "e2fsck", status: fsck.status.description + " (the root filesystem after the build VM)",
                output: fsck.tailText)
        }
    }

    private func ssh(
        _ client: SSHClient, remote: String, input: [UInt8] = [], connectTimeout: Int = 20, timeout: Duration,
        context: BuildContext, onLine: (@Sendable (String) async -> Void)? = nil
    ) async throws(BuildError) -> ProcessOutcome {
        let path = context.runner.environment["PATH"] ?? "/usr/bin:/bin"
        return try await context.runner.run(
            client.ssh, client.arguments(remoteCommand: remote, connectTimeoutSeconds: connectTimeout),
            environment: client.environment(path: path), timeout: timeout, input: input, onLine: onLine)
    }

    static func seconds(_ duration: Duration) -> String {
        "\(duration.components.seconds) s"
    }

    static func tenths(_ duration: Duration) -> String {
        let tenths = duration.components.seconds * 10 + duration.components.attoseconds / 100_000_000_000_000_000
        return "\(tenths / 10).\(tenths % 10) s"
    }
}
