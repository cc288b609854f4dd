import Glibc
import KilnSpec

/// `provisioner: chroot` (the default): runs the spec's scripts in order (`bootScript`, `preseedScript`, then
/// `scripts[]` by phase), each read from the commit and run in its own sandbox on the root filesystem. (With
/// `provisioner: ssh`, ``SSHProvisionStep`` runs them in a VM instead.)
struct ProvisionStep: BuildStep {
    func run(_ context: inout BuildContext) async throws(BuildError) {
        let scripts = context.request.spec.orderedScripts
        guard context.request.spec.provisioner == .chroot, !scripts.isEmpty, let sandbox = context.tools.sandbox else {
            return
        }
        let layout = SandboxLayout.detect()
        let hidden = Self.hiddenPaths(context.request.hiddenPaths)
        for (index, script) in scripts.enumerated() {
            await context.enter(.provisioning(script: script.name))
            let file = try writeScript(script, index: index, context: context)
            var secrets: [String: String] = [:]
            for (name, reference) in script.secretEnv.sorted(by: { $0.key < $1.key }) {
                let value = try context.request.secrets.resolve(reference)
                await context.log.addSecret(value)
                secrets[name] = value
            }
            let environment = ScriptEnvironment.variables(
                script: script, secrets: secrets, buildName: context.request.buildName,
                buildNumber: context.request.buildNumber, sshUsername: context.request.spec.sshUsername,
                sourceDateEpoch: context.request.sourceDateEpoch)
            let invocation = SandboxInvocation(
                rootfs: context.work.rootfs, scriptFile: file, interpreter: script.interpreter, network: script.network,
                hidden: hidden, limits: context.request.limits.script)
            let command = try SandboxCommand.commandLine(
                prlimit: sandbox.prlimit, bwrap: sandbox.bwrap, run: invocation, layout: layout)
            try await run(script, command: command, environment: environment, context: context)
        }
    }

    private func run(
        _ script: ImageBuildSpec.Script, command: (executable: String, arguments: [String]),
        environment: [String: String], context: BuildContext
    ) async throws(BuildError) {
        let log = context.log
        let limit = context.request.limits.maxScriptLogBytes
        let name = script.name
        await log.write(
            name,
            "starting \(script.path) (\(script.phase.rawValue), \(script.interpreter), timeout \(script.timeout)\(script.network ? ", network" : ""))"
        )
        await log.write(name, "sandbox: \(([command.executable] + command.arguments).joined(separator: " "))")
        let started = ContinuousClock.now
        let outcome = try await context.runner.run(
            command.executable, command.arguments, environment: environment, timeout: script.timeout.duration,
            watch: SandboxWatch()
        ) { line in
            await log.writeOutput(name, line, limit: limit)
        }
        let elapsed = started.duration(to: .now)
        await log.write(
            name,
            "\(outcome.status) after \(elapsed.formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow)))")
        switch outcome.status {
        case .exited(0): return
        case .exited(let code): throw .scriptFailed(script: name, exitCode: code)
        case .signaled(let signal): throw .scriptKilled(script: name, signal: signal)
        case .timedOut: throw .scriptTimedOut(script: name, timeout: script.timeout.description)
        }
    }

    private func writeScript(
        _ script: ImageBuildSpec.Script, index: Int, context: BuildContext
    ) throws(BuildError) -> String {
        let bytes: [UInt8]
        do {
            bytes = try context.request.files.read(script.path)
        } catch {
            throw .scriptUnreadable(script: script.name, path: script.path, reason: String(describing: error))
        }
        let safeName = String(script.name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
        let file = "\(context.work.scripts)/\(index)-\(safeName)"
        try FileSystem.writeNewFile(file, bytes, mode: 0o500)
        return file
    }

    /// Hidden paths that exist, as written and with symlinks resolved. (One that does not exist cannot be seen.)
    static func hiddenPaths(_ paths: [String]) -> [HiddenPath] {
        var out: [HiddenPath] = []
        for path in paths where path.hasPrefix("/") {
            let written = FilePaths.lexicallyNormalized(path)
            var variants = [written]
            if let real = FilePaths.realPath(written), real != written { variants.append(real) }
            for variant in variants {
                var info = stat()
                guard stat(variant, &info) == 0 else { continue }
                let item = HiddenPath(path: variant, isDirectory: (info.st_mode & S_IFMT) == S_IFDIR)
                if !out.contains(item) { out.append(item) }
            }
        }
        return out
    }
}
