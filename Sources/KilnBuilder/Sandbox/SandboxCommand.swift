/// The command line that runs one provisioning script: `prlimit` sets the resource limits, then `bwrap` builds the
/// sandbox and runs the interpreter on the script.
///
/// The sandbox holds the host's `/usr` (read-only, so `sh`, `cp` and the host's busybox work), a few harmless files
/// of `/etc`, a private `/proc`, `/dev` and `/tmp`, the root filesystem (read-write) and the script (read-only) —
/// nothing else of the host. Every namespace is new (the network one too unless the script asks for network),
/// further user namespaces are disabled, all capabilities are dropped but those needed to own and modify files in
/// the root filesystem, and the sandbox dies with Kiln. The environment is not on this command line: secrets would
/// show in `ps`; it is the process environment of `prlimit`, which `bwrap` passes on.
enum SandboxCommand {
    static let rootfsMount = "/kiln/rootfs"
    static let scriptMount = "/kiln/script"
    static let hostname = "kiln-build"

    /// Capabilities kept: enough for a root-owned tree (chown within the namespace, modes, setuid bits of guest
    /// programs), none that reach the kernel (no mount, no mknod, no ptrace, no network administration).
    static let keptCapabilities = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID"]

    /// Files of `/etc` that programs expect; none holds a secret (no `shadow`).
    static let etcFiles = ["/etc/alternatives", "/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/localtime"]
    /// Added when the script has network: name resolution and CA certificates.
    static let networkEtcFiles = ["/etc/resolv.conf", "/etc/hosts", "/etc/gai.conf", "/etc/ssl", "/etc/ca-certificates"]

    static func interpreterPath(_ interpreter: String) throws(BuildError) -> String {
        switch interpreter {
        case "sh": "/bin/sh"
        case "bash": "/bin/bash"
        default: throw .unsupported("script interpreter \(interpreter) is not supported; use sh or bash")
        }
    }

    static func prlimitArguments(_ limits: BuildLimits.ScriptLimits) -> [String] {
        [
            "--fsize=\(limits.maxFileBytes)",
            "--nofile=\(limits.maxOpenFiles)",
            "--nproc=\(limits.maxProcesses)",
            "--as=\(limits.maxAddressSpaceBytes)",
            "--core=0"
        ]
    }

    static func bwrapArguments(_ run: SandboxInvocation, layout: SandboxLayout, interpreterPath: String) -> [String] {
        var a = ["--unshare-all"]
        if run.network { a.append("--share-net") }
        a += ["--unshare-user", "--disable-userns", "--die-with-parent", "--new-session", "--hostname", hostname]
        a += ["--cap-drop", "ALL"]
        for capability in keptCapabilities { a += ["--cap-add", capability] }

        var binds: [(source: String, destination: String)] = [("/usr", "/usr")]
        a += ["--ro-bind", "/usr", "/usr"]
        for entry in layout.entries {
            switch entry {
            case .symlink(let path, let target): a += ["--symlink", target, path]
            case .directory(let path):
                a += ["--ro-bind", path, path]
                binds.append((path, path))
            }
        }
        for file in etcFiles + (run.network ? networkEtcFiles : []) {
            a += ["--ro-bind-try", file, file]
            binds.append((file, file))
        }
        a += ["--proc", "/proc", "--dev", "/dev", "--size", String(run.limits.tmpBytes), "--tmpfs", "/tmp"]
        a += ["--bind", run.rootfs, rootfsMount, "--ro-bind", run.scriptFile, scriptMount]
        for mask in masks(hidden: run.hidden, binds: binds + [(run.rootfs, rootfsMount)]) {
            a += mask.isDirectory ? ["--tmpfs", mask.path] : ["--ro-bind", "/dev/null", mask.path]
        }
        a += ["--chdir", rootfsMount, "--", interpreterPath, scriptMount]
        return a
    }

    /// Where each hidden path would appear inside the sandbox because it is a bound host path or lies below one.
    /// A hidden path that contains a bound folder (Kiln's data folder holds the work folder, so the root
    /// filesystem) needs no mask: only the bound folder is visible, under its sandbox name. The root filesystem
    /// itself is never masked, only what lies below it.
    static func masks(hidden: [HiddenPath], binds: [(source: String, destination: String)]) -> [HiddenPath] {
        var out: [HiddenPath] = []
        for item in hidden {
            for bind in binds
            where item.path.hasPrefix(bind.source + "/")
                || (item.path == bind.source && bind.destination != rootfsMount)
            {
                let inside = bind.destination + item.path.dropFirst(bind.source.count)
                let mask = HiddenPath(path: inside, isDirectory: item.isDirectory)
                if !out.contains(mask) { out.append(mask) }
            }
        }
        return out
    }

    /// The whole command: executable and arguments.
    static func commandLine(
        prlimit: String, bwrap: String, run: SandboxInvocation, layout: SandboxLayout
    )
        throws(BuildError) -> (executable: String, arguments: [String])
    {
        let interpreter = try interpreterPath(run.interpreter)
        return (
            prlimit,
            prlimitArguments(run.limits) + ["--", bwrap]
                + bwrapArguments(run, layout: layout, interpreterPath: interpreter)
        )
    }
}
