/// Debian's OpenSSH client, pointed at the build VM through its loopback port, with nothing of the host's own
/// configuration (`-F /dev/null`, no agent, no user known_hosts): the host key is pinned by this execution's
/// `known_hosts`, and Kiln authenticates with this execution's key or, with `sshPassword`, through `SSH_ASKPASS`.
struct SSHClient: Sendable {
    enum Authentication: Sendable, Hashable {
        /// The private key file of this execution.
        case key(String)
        /// The askpass program, which prints the password from a file only Kiln can read.
        case password(askpass: String)
    }

    var ssh: String
    var port: Int
    var username: String
    var knownHosts: String
    var authentication: Authentication
    /// ssh's `HOME`: this execution's folder, so nothing of Kiln's own home is read or written.
    var home: String
    /// The socket of one shared connection (OpenSSH's ControlMaster): the first login that works stays open in the
    /// background and every later command of the execution runs over it, so the script and the last step do not each
    /// pay a key exchange and login in a guest that runs slowly under TCG. Nil: a connection per command.
    var controlPath: String?

    var usesPassword: Bool {
        if case .password = authentication { return true }
        return false
    }

    /// ssh's arguments for `remoteCommand`. A table-tested pure function.
    func arguments(remoteCommand: String, connectTimeoutSeconds: Int = 20) -> [String] {
        var options = [
            // BatchMode would also turn askpass off.
            "BatchMode=\(usesPassword ? "no" : "yes")",
            "ConnectTimeout=\(connectTimeoutSeconds)",
            "ServerAliveInterval=15",
            "ServerAliveCountMax=8",
            "HostKeyAlias=\(BuildVMAccess.hostKeyAlias)",
            "UserKnownHostsFile=\(knownHosts)",
            "GlobalKnownHostsFile=/dev/null",
            "StrictHostKeyChecking=yes",
            "UpdateHostKeys=no",
            "CheckHostIP=no",
            "IdentityAgent=none",
            "ForwardAgent=no",
            "ForwardX11=no",
            "LogLevel=ERROR"
        ]
        switch authentication {
        case .key(let file):
            options += [
                "IdentitiesOnly=yes", "IdentityFile=\(file)", "PreferredAuthentications=publickey",
                "PasswordAuthentication=no", "KbdInteractiveAuthentication=no"
            ]
        case .password:
            options += [
                "PubkeyAuthentication=no", "PreferredAuthentications=password,keyboard-interactive",
                "NumberOfPasswordPrompts=1"
            ]
        }
        if let controlPath {
            // The master ends when the guest's connection does (power-off, qemu killed), after 2 idle minutes, or
            // when told (``closeArguments``); a command that finds no master logs in by itself.
            options += ["ControlMaster=auto", "ControlPath=\(controlPath)", "ControlPersist=120"]
        }
        return ["-F", "/dev/null", "-T", "-p", String(port), "-l", username]
            + options.flatMap { ["-o", $0] } + ["127.0.0.1", "--", remoteCommand]
    }

    /// `ssh -O exit`: tells the shared connection's master to end (it answers "no such file" when there is none).
    static func closeArguments(controlPath: String) -> [String] {
        ["-F", "/dev/null", "-o", "ControlPath=\(controlPath)", "-O", "exit", "127.0.0.1"]
    }

    /// The shared connection's socket in `folder`, or nil when its path would be too long for a unix socket (ssh
    /// binds a name with a 17-character random suffix first, and a socket path has at most 107 bytes).
    static func controlPath(in folder: String) -> String? {
        let path = folder + "/mux"
        return path.utf8.count + 17 <= 107 ? path : nil
    }

    /// ssh's whole environment: the password reaches ssh only through the askpass program, never a variable.
    func environment(path: String) -> [String: String] {
        var variables = ["PATH": path, "LC_ALL": "C", "HOME": home]
        if case .password(let askpass) = authentication {
            variables["SSH_ASKPASS"] = askpass
            variables["SSH_ASKPASS_REQUIRE"] = "force"
        }
        return variables
    }

    /// The askpass program: prints the file Kiln wrote the password to (mode 0600, in this execution's folder).
    static func askpassProgram(passwordFile: String) -> String {
        "#!/bin/sh\nexec cat \(RemoteScript.shellQuoted(passwordFile))\n"
    }

    /// What ssh's last lines say about a failed connection, in words for the execution's error; nil when they say
    /// nothing Kiln recognizes. A refused key or password and a host key that is not Kiln's never get better by
    /// waiting; a connection refused or reset does (sshd is not up yet).
    static func permanentFailure(_ lines: [String], username: String, usesPassword: Bool) -> String? {
        let text = lines.joined(separator: "\n")
        if text.contains("Host key verification failed") || text.contains("REMOTE HOST IDENTIFICATION HAS CHANGED") {
            return
                "the SSH server in the build VM did not present the host key Kiln wrote into the image (its sshd does not read /etc/ssh/sshd_config.d?)"
        }
        if text.contains("Permission denied") {
            return usesPassword
                ? "the build VM refused the password of \(username) (sshPassword): check the secret, and that the image allows password logins for \(username)"
                : "the build VM refused Kiln's key for \(username): check that the image lets \(username) log in with a key (PermitRootLogin for root)"
        }
        return nil
    }
}
