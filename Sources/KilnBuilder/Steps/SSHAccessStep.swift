import Glibc
import KilnSpec

/// `provisioner: ssh`, before the disk is made: checks that the root filesystem can be booted and reached over SSH
/// (a kernel, OpenSSH's server reading its drop-ins, systemd-networkd, the user), makes this execution's keys with
/// `ssh-keygen`, and writes Kiln's way in (see ``BuildVMAccess``) into the root filesystem.
///
/// Everything that can be checked before a boot is checked here, so a spec that cannot work fails in seconds.
struct SSHAccessStep: BuildStep {
    func run(_ context: inout BuildContext) async throws(BuildError) {
        let spec = context.request.spec
        guard spec.provisioner == .ssh, !spec.orderedScripts.isEmpty else { return }
        let root = RootFiles(root: context.work.rootfs)
        let username = spec.sshUsername ?? "root"
        if let problem = Self.problem(root: root, spec: spec, username: username) { throw .unsupported(problem) }
        let networkd = ["usr/lib/systemd/systemd-networkd", "lib/systemd/systemd-networkd"].contains {
            root.kind($0) == S_IFREG
        }
        let unit = ["usr/lib/systemd/system/systemd-networkd.service", "lib/systemd/system/systemd-networkd.service"]
            .first { root.kind($0) == S_IFREG }
        guard networkd, let unit else {
            throw .unsupported(
                "provisioner: ssh: the image has no systemd-networkd, which Kiln uses to give the build VM an address; build on an image with systemd (systemd-sysv), or use provisioner: chroot"
            )
        }

        let folder = context.work.root + "/ssh"
        _ = try FileSystem.makeDirectories(folder, mode: 0o700)
        chmod(folder, 0o700)
        let keygen = try context.tools.locator.locate(.sshKeygen)
        let comment = "kiln-build-\(context.request.buildName)-\(context.request.buildNumber)"
        let hostKey = folder + "/host_ed25519"
        _ = try await context.runner.runChecked(keygen, ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", hostKey])
        var privateKey: String?
        if spec.sshPassword == nil {
            privateKey = folder + "/id_ed25519"
            _ = try await context.runner.runChecked(
                keygen, ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", privateKey!])
        }
        let hostPublic = try Self.text(hostKey + ".pub")
        let knownHosts = folder + "/known_hosts"
        try FileSystem.writeNewFile(
            knownHosts, Array(BuildVMAccess.knownHosts(publicKey: hostPublic).utf8), mode: 0o600)

        let enabledNetworkd = root.kind(BuildVMAccess.networkdLink) == nil
        let disableCloudInit =
            root.kind("usr/bin/cloud-init") != nil && root.kind(BuildVMAccess.cloudInitDisabled) == nil
        let access = BuildVMAccess(
            username: username, usesPassword: spec.sshPassword != nil, enabledNetworkd: enabledNetworkd,
            disabledCloudInit: disableCloudInit)
        try root.makeFolder(BuildVMAccess.folder)
        try root.write(BuildVMAccess.hostKey, try Self.text(hostKey), mode: 0o600)
        try root.write(BuildVMAccess.hostKey + ".pub", hostPublic)
        if let privateKey { try root.write(BuildVMAccess.authorizedKeys, try Self.text(privateKey + ".pub")) }
        try root.write(BuildVMAccess.sshdDropIn, access.sshdConfig)
        try root.write(BuildVMAccess.networkUnit, BuildVMAccess.networkConfig)
        try root.write(BuildVMAccess.hostKeyUnitDropIn, BuildVMAccess.hostKeyUnitCondition)
        if disableCloudInit {
            try root.write(
                BuildVMAccess.cloudInitDisabled,
                "# Written by Kiln: no cloud-init in the build VM; removed by the build's last step.\n")
        }
        if enabledNetworkd {
            guard let link = try root.safePath(BuildVMAccess.networkdLink, createParents: true),
                symlink("/" + unit, link) == 0
            else {
                throw .fileSystem(
                    operation: "enabling systemd-networkd in", path: context.work.rootfs, reason: FileSystem.errorText()
                )
            }
        }
        context.buildVM = BuildVMCredentials(
            folder: folder, privateKey: privateKey, knownHosts: knownHosts, access: access)
        await context.log.write(
            "Unpacking",
            "build VM access for \(username) written into the image (\(privateKey == nil ? "password through SSH_ASKPASS" : "this execution's ed25519 key"), host key pinned in a known_hosts of this execution, network by systemd-networkd\(disableCloudInit ? ", cloud-init off" : "")); the last step removes it"
        )
    }

    /// Why this root filesystem cannot be provisioned over SSH, or nil.
    static func problem(root: RootFiles, spec: ImageBuildSpec, username: String) -> String? {
        if let problem = BuildVMAccess.usernameProblem(username) { return problem }
        guard KernelFiles.find(in: root) != nil, spec.resolvedBoot(hasKernel: true) != DiskBoot.none else {
            return
                "provisioner: ssh boots the disk in a VM, so it needs a disk that boots on its own: a kernel in the root filesystem (/boot/vmlinuz-*, the Debian package linux-image-amd64) and disk.boot other than none"
        }
        guard root.kind("usr/sbin/sshd") == S_IFREG else {
            return
                "provisioner: ssh needs an SSH server in the image, and /usr/sbin/sshd is missing: add openssh-server to the base (source.debian.packages), or use provisioner: chroot"
        }
        let config = (try? root.safePath("etc/ssh/sshd_config")).flatMap { try? FileBytes.read($0, limit: 1 << 20) }
        guard let config, BuildVMAccess.includesDropIns(String(decoding: config, as: UTF8.self)) else {
            return
                "provisioner: ssh: the image's /etc/ssh/sshd_config does not include /etc/ssh/sshd_config.d/*.conf, where Kiln puts the build VM's host key and login; add that Include line (Debian's own sshd_config has it)"
        }
        let passwd = (try? root.safePath("etc/passwd")).flatMap { try? FileBytes.read($0, limit: 4 << 20) }
        guard let passwd, BuildVMAccess.passwdHasUser(String(decoding: passwd, as: UTF8.self), username) else {
            return
                "provisioner: ssh: sshUsername \(username) is not a user of the image (/etc/passwd); create it in a base layer, or leave sshUsername out to log in as root"
        }
        for script in spec.orderedScripts {
            for name in (Array(script.env.keys) + Array(script.secretEnv.keys)).sorted()
            where !RemoteScript.isVariableName(name) {
                return
                    "scripts[\(script.name)].env: \(JSONText.quoted(name)) is not a shell variable name, which provisioner: ssh needs (letters, digits and _, not starting with a digit)"
            }
        }
        return nil
    }

    private static func text(_ path: String) throws(BuildError) -> String {
        String(decoding: try FileBytes.read(path, limit: 1 << 16), as: UTF8.self)
    }
}
