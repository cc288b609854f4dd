import Glibc

/// Leaves a root filesystem as a clean template, the way clouds expect one: every VM made from it gets its own
/// identity on first boot.
///
/// - `/etc/machine-id` emptied (systemd makes a new one on first boot), the D-Bus copy removed;
/// - SSH host keys removed, and a first-boot unit that regenerates them before `ssh.service` (Debian's OpenSSH does
///   not do that by itself);
/// - systemd's random seed removed;
/// - on a disk that boots on its own, `/etc/fstab` naming the root and EFI partitions by PARTUUID.
struct TemplateCleanup: Sendable {
    static let hostKeyUnit = "kiln-ssh-host-keys.service"

    static let hostKeyUnitText = """
        # Written by Kiln: a template ships without SSH host keys; each machine makes its own on first boot.
        [Unit]
        Description=Generate SSH host keys on first boot
        ConditionPathExistsGlob=!/etc/ssh/ssh_host_*_key
        Before=ssh.service
        After=local-fs.target

        [Service]
        Type=oneshot
        ExecStart=/usr/bin/ssh-keygen -A
        RemainAfterExit=yes

        [Install]
        WantedBy=multi-user.target ssh.service

        """

    /// What was done, for the execution log.
    static func apply(to root: RootFiles, fstab: String?) throws(BuildError) -> [String] {
        var done: [String] = []
        if let fstab {
            try root.write("etc/fstab", fstab)
            try root.makeFolder("boot/efi")
            done.append("wrote /etc/fstab")
        }
        if root.kind("etc/machine-id") != nil {
            try root.write("etc/machine-id", "", mode: 0o444)
            done.append("emptied /etc/machine-id")
        }
        if root.kind("var/lib/dbus/machine-id") == S_IFREG {
            try root.remove("var/lib/dbus/machine-id")
        }
        let keys = root.list("etc/ssh").filter { $0.hasPrefix("ssh_host_") }
        for key in keys { try root.remove("etc/ssh/" + key) }
        if !keys.isEmpty { done.append("removed \(keys.count) SSH host key files") }
        if root.kind("usr/sbin/sshd") != nil {
            try root.write("etc/systemd/system/\(hostKeyUnit)", hostKeyUnitText)
            for target in ["multi-user.target.wants", "ssh.service.wants"] {
                let link = "etc/systemd/system/\(target)/\(hostKeyUnit)"
                guard let path = try root.safePath(link, createParents: true) else { continue }
                try root.remove(link)
                guard symlink("/etc/systemd/system/\(hostKeyUnit)", path) == 0 else {
                    throw .fileSystem(operation: "linking", path: path, reason: FileSystem.errorText())
                }
            }
            done.append("SSH host keys are regenerated on first boot (\(hostKeyUnit))")
        }
        if root.kind("var/lib/systemd/random-seed") == S_IFREG {
            try root.remove("var/lib/systemd/random-seed")
        }
        return done
    }
}
