import KilnSpec

/// How Kiln gets into the build VM of a `provisioner: ssh` execution, and how it leaves no trace of that.
///
/// Before the disk is made, Kiln writes into the root filesystem (all under names of its own, so nothing of the
/// image is overwritten):
/// - a host key of this execution, which Kiln's per-execution `known_hosts` pins (no trust on first use);
/// - with the default key authentication, this execution's public ed25519 key as an extra authorized-keys file;
/// - an sshd drop-in naming both, and letting in `sshUsername` only;
/// - a systemd-networkd unit giving the VM's network card (matched by the MAC address Kiln gives it) an address by
///   DHCP from qemu's user-mode network, as a base image may have no network configuration of its own;
/// - `/etc/cloud/cloud-init.disabled`, when the image has cloud-init: without a seed it would run as a first boot in
///   the build VM (make users, write network files, regenerate keys) and leave that in the template.
///
/// The last step, run as root over SSH, removes all of it, then the SSH host keys and machine identity the boot made,
/// and powers off (see ``cleanupProgram``).
struct BuildVMAccess: Sendable, Hashable {
    static let folder = "etc/ssh/kiln-build"
    static let hostKey = folder + "/ssh_host_ed25519_key"
    static let authorizedKeys = folder + "/authorized_keys"
    static let sshdDropIn = "etc/ssh/sshd_config.d/kiln-build.conf"
    static let networkUnit = "etc/systemd/network/10-kiln-build.network"
    static let networkdLink = "etc/systemd/system/multi-user.target.wants/systemd-networkd.service"
    /// Keeps the template's first-boot host-key unit from running in the build VM (sshd uses Kiln's key there).
    static let hostKeyUnitDropIn = "etc/systemd/system/\(TemplateCleanup.hostKeyUnit).d/kiln-build.conf"
    static let cloudInitDisabled = "etc/cloud/cloud-init.disabled"
    /// The build VM's network card: a locally administered address ("KIL").
    static let macAddress = "52:54:00:4b:49:4c"
    /// The name the pinned host key is known by, whatever loopback port the VM got.
    static let hostKeyAlias = "kiln-build-vm"
    /// Printed by the last step once the build access is gone, before the power-off may cut the connection.
    static let removedMarker = "kiln: build access removed"

    /// The user Kiln logs in as (`sshUsername`, root by default).
    var username: String
    /// `sshPassword` given: the image's own password authentication, no key of Kiln's in the image.
    var usesPassword: Bool
    /// Whether Kiln enabled systemd-networkd (it is removed again only then).
    var enabledNetworkd: Bool
    /// Whether Kiln wrote `/etc/cloud/cloud-init.disabled` (removed again only then).
    var disabledCloudInit: Bool = false

    var sshdConfig: String {
        var lines = [
            "# Written by Kiln for the build VM of a provisioner: ssh execution; removed by its last step.",
            "HostKey /\(Self.hostKey)"
        ]
        if !usesPassword {
            lines.append("AuthorizedKeysFile .ssh/authorized_keys .ssh/authorized_keys2 /\(Self.authorizedKeys)")
        }
        lines.append("AllowUsers \(username)")
        return lines.joined(separator: "\n") + "\n"
    }

    static let networkConfig = """
        # Written by Kiln for the build VM (qemu's user-mode network); removed by the build's last step.
        [Match]
        MACAddress=\(macAddress)

        [Network]
        DHCP=ipv4

        """

    static let hostKeyUnitCondition = """
        # Written by Kiln: the build VM uses Kiln's host key; removed by the build's last step.
        [Unit]
        ConditionPathExists=!/\(hostKey)

        """

    /// The `known_hosts` line that pins the host key Kiln wrote (`ssh-ed25519 AAAA… comment`).
    static func knownHosts(publicKey: String) -> String {
        let fields = publicKey.split(separator: " ")
        return "\(hostKeyAlias) \(fields.prefix(2).joined(separator: " "))\n"
    }

    /// The last step, a `sh` program run as root in the guest: removes everything Kiln wrote, the SSH host keys and
    /// machine identity this boot made (each VM made from the image makes its own), cloud-init's state (what
    /// `cloud-init clean --logs` removes, without its Python start, slow under TCG) and the build's journal; says so;
    /// then makes the disk read-only for Kiln to quit qemu, or powers the guest off (``BuildVMPowerOff``).
    var cleanupProgram: String {
        var removed = [
            "/\(Self.folder)", "/\(Self.sshdDropIn)", "/\(Self.networkUnit)",
            "/etc/systemd/system/\(TemplateCleanup.hostKeyUnit).d/kiln-build.conf"
        ]
        if enabledNetworkd { removed.append("/\(Self.networkdLink)") }
        if disabledCloudInit { removed.append("/\(Self.cloudInitDisabled)") }
        return """
            set -e
            rm -rf \(removed.joined(separator: " "))
            rmdir /etc/systemd/system/\(TemplateCleanup.hostKeyUnit).d 2>/dev/null || true
            rm -f /etc/ssh/ssh_host_*
            if [ -s /etc/machine-id ]; then : > /etc/machine-id; fi
            rm -f /var/lib/dbus/machine-id /var/lib/systemd/random-seed
            rm -rf /var/lib/cloud/instance /var/lib/cloud/instances /var/lib/cloud/data /var/lib/cloud/sem /var/log/cloud-init.log /var/log/cloud-init-output.log
            \(BuildVMPowerOff.relinquishJournal)
            if [ -d /var/log/journal ]; then find /var/log/journal -mindepth 1 -delete; fi
            sync
            echo '\(Self.removedMarker)'

            """ + BuildVMPowerOff.program
    }

    /// Why a user name cannot be used in sshd's configuration, or nil: Debian's user-name grammar.
    static func usernameProblem(_ name: String) -> String? {
        let allowed = name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                || "_-.".unicodeScalars.contains($0)
        }
        guard !name.isEmpty, name.count <= 32, allowed, !name.hasPrefix("-") else {
            return
                "sshUsername \(JSONText.quoted(name)) is not a user name (letters, digits, _ . -, at most 32, not starting with -)"
        }
        return nil
    }

    /// Whether `/etc/passwd` (its text) has the user.
    static func passwdHasUser(_ passwd: String, _ name: String) -> Bool {
        passwd.split(separator: "\n").contains { $0.split(separator: ":", maxSplits: 1).first.map(String.init) == name }
    }

    /// Whether sshd reads its `sshd_config.d` drop-ins (Debian's does, from its first line).
    static func includesDropIns(_ sshdConfig: String) -> Bool {
        sshdConfig.split(separator: "\n").contains { line in
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            return words.first?.lowercased() == "include"
                && words.dropFirst().contains { $0.hasPrefix("/etc/ssh/sshd_config.d/") }
        }
    }
}
