import Foundation
import KilnSpec
import KilnTestSupport
import Testing

@testable import KilnBuilder

/// What `provisioner: ssh` writes into an image and takes out again, and what it refuses before any boot.
@Suite struct BuildVMAccessTests {
    @Test func keyAuthenticationLetsInOnlyTheUserWithKilnsKeyAndHostKey() {
        let access = BuildVMAccess(username: "root", usesPassword: false, enabledNetworkd: true)
        let config = access.sshdConfig
        #expect(config.contains("HostKey /etc/ssh/kiln-build/ssh_host_ed25519_key\n"))
        #expect(
            config.contains(
                "AuthorizedKeysFile .ssh/authorized_keys .ssh/authorized_keys2 /etc/ssh/kiln-build/authorized_keys\n"))
        #expect(config.hasSuffix("AllowUsers root\n"))
        let password = BuildVMAccess(username: "debian", usesPassword: true, enabledNetworkd: false).sshdConfig
        #expect(!password.contains("AuthorizedKeysFile"))
        #expect(password.contains("AllowUsers debian"))
        #expect(BuildVMAccess.networkConfig.contains("MACAddress=\(BuildVMAccess.macAddress)"))
    }

    @Test func theKnownHostsLinePinsTheKeyUnderItsAlias() {
        let line = BuildVMAccess.knownHosts(
            publicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample kiln-build-web-1\n")
        #expect(line == "kiln-build-vm ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample\n")
    }

    /// The last step, run for real with `sh` on a folder laid out like a guest's root (paths rewritten under it).
    @Test func theLastStepRemovesEverythingKilnWroteAndTheBootsIdentity() throws {
        let root = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let files = [
            BuildVMAccess.hostKey, BuildVMAccess.authorizedKeys, BuildVMAccess.sshdDropIn, BuildVMAccess.networkUnit,
            BuildVMAccess.hostKeyUnitDropIn, BuildVMAccess.networkdLink, "etc/ssh/ssh_host_rsa_key",
            "etc/ssh/ssh_host_ed25519_key.pub", "etc/ssh/sshd_config", "etc/machine-id", "var/lib/systemd/random-seed",
            "var/log/journal/0123/system.journal", "etc/keep-me", BuildVMAccess.cloudInitDisabled,
            "var/lib/cloud/instances/i-1/user-data.txt", "var/lib/cloud/data/status.json", "var/log/cloud-init.log"
        ]
        for file in files {
            try FileManager.default.createDirectory(
                atPath: root + "/" + (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try "x\n".write(toFile: root + "/" + file, atomically: false, encoding: .utf8)
        }
        let access = BuildVMAccess(
            username: "root", usesPassword: false, enabledNetworkd: true, disabledCloudInit: true)
        // The guest's absolute paths, moved under the test folder; the journal and power-off parts (which would act
        // on this host: BuildVMPowerOffTests runs them against a made-up mount table) replaced by a record.
        #expect(access.cleanupProgram.hasSuffix(BuildVMPowerOff.program))
        #expect(access.cleanupProgram.contains(BuildVMPowerOff.relinquishJournal))
        let program = access.cleanupProgram
            .replacingOccurrences(of: BuildVMPowerOff.program, with: "echo POWEROFF\n")
            .replacingOccurrences(of: BuildVMPowerOff.relinquishJournal, with: ":")
            .replacingOccurrences(of: " /etc/", with: " \(root)/etc/")
            .replacingOccurrences(of: " /var/", with: " \(root)/var/")
            .replacingOccurrences(of: "[ -s /etc", with: "[ -s \(root)/etc")
            .replacingOccurrences(of: "[ -d /var", with: "[ -d \(root)/var")
        let output = try Shell.check("sh -c \(Shell.quoted(program))")
        #expect(output.contains(BuildVMAccess.removedMarker + "\nPOWEROFF"), "\(output)")
        let left = try Shell.check("cd \(Shell.quoted(root)) && find . -type f | sort")
        #expect(left == "./etc/keep-me\n./etc/machine-id\n./etc/ssh/sshd_config\n", "\(left)")
        #expect(try String(contentsOfFile: root + "/etc/machine-id", encoding: .utf8).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: root + "/etc/ssh/kiln-build"))
    }

    @Test func aLinkKilnDidNotMakeStays() {
        let program = BuildVMAccess(username: "root", usesPassword: false, enabledNetworkd: false).cleanupProgram
        #expect(!program.contains(BuildVMAccess.networkdLink))
        #expect(
            BuildVMAccess(username: "root", usesPassword: false, enabledNetworkd: true).cleanupProgram.contains(
                BuildVMAccess.networkdLink))
    }

    @Test(arguments: ["root", "debian", "build_user", "a.b-c"])
    func userNamesThatWork(name: String) {
        #expect(BuildVMAccess.usernameProblem(name) == nil)
    }

    @Test(arguments: ["", "-x", "root\nPermitRootLogin yes", "a b", "x;y", String(repeating: "a", count: 33)])
    func userNamesThatCannotReachSshdConfig(name: String) {
        #expect(BuildVMAccess.usernameProblem(name) != nil)
    }

    @Test func passwdAndIncludeChecks() {
        let passwd = "root:x:0:0:root:/root:/bin/bash\ndebian:x:1000:1000::/home/debian:/bin/sh\n"
        #expect(BuildVMAccess.passwdHasUser(passwd, "debian"))
        #expect(!BuildVMAccess.passwdHasUser(passwd, "deb"))
        #expect(BuildVMAccess.includesDropIns("# comment\nInclude /etc/ssh/sshd_config.d/*.conf\n\nPort 22\n"))
        #expect(!BuildVMAccess.includesDropIns("#Include /etc/ssh/sshd_config.d/*.conf\n"))
    }

    /// What cannot work is refused before the disk is made, naming the field or the missing piece.
    @Test func aRootFilesystemThatCannotBeReachedIsRefusedBeforeABoot() throws {
        let root = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let spec = try #require(
            Specs.parse(
                """
                apiVersion: kiln.dev/v1
                kind: ImageBuild
                metadata: {name: x}
                spec:
                  type: qemu
                  source: {scratch: true}
                  provisioner: ssh
                  scripts:
                    - {name: s, path: s.sh, env: {GOOD_NAME: "1"}}
                """
            ).spec)
        let files = RootFiles(root: root)
        #expect(SSHAccessStep.problem(root: files, spec: spec, username: "root")?.contains("kernel") == true)
        try FileManager.default.createDirectory(atPath: root + "/boot", withIntermediateDirectories: true)
        try "k".write(toFile: root + "/boot/vmlinuz-6.1.0-1-amd64", atomically: false, encoding: .utf8)
        #expect(
            SSHAccessStep.problem(root: files, spec: spec, username: "root")?.contains("/usr/sbin/sshd is missing")
                == true)
        try FileManager.default.createDirectory(atPath: root + "/usr/sbin", withIntermediateDirectories: true)
        try "".write(toFile: root + "/usr/sbin/sshd", atomically: false, encoding: .utf8)
        #expect(SSHAccessStep.problem(root: files, spec: spec, username: "root")?.contains("sshd_config.d") == true)
        try FileManager.default.createDirectory(atPath: root + "/etc/ssh", withIntermediateDirectories: true)
        try "Include /etc/ssh/sshd_config.d/*.conf\n".write(
            toFile: root + "/etc/ssh/sshd_config", atomically: false, encoding: .utf8)
        #expect(
            SSHAccessStep.problem(root: files, spec: spec, username: "root")?.contains("not a user of the image")
                == true)
        try "root:x:0:0:root:/root:/bin/sh\n".write(toFile: root + "/etc/passwd", atomically: false, encoding: .utf8)
        #expect(SSHAccessStep.problem(root: files, spec: spec, username: "root") == nil)
        #expect(
            SSHAccessStep.problem(root: files, spec: spec, username: "nobody")?.contains("sshUsername nobody") == true)

        var bad = spec
        bad.scripts[0].env = ["NOT-A-NAME": "1"]
        #expect(SSHAccessStep.problem(root: files, spec: bad, username: "root")?.contains("NOT-A-NAME") == true)
        var bare = spec
        bare.diskBoot = DiskBoot.none
        #expect(
            SSHAccessStep.problem(root: files, spec: bare, username: "root")?.contains("disk.boot other than none")
                == true)
    }

    @Test func aUserNameThatIsNoUserNameIsRefusedBySpecCheck() throws {
        let spec = try #require(
            Specs.parse(
                """
                apiVersion: kiln.dev/v1
                kind: ImageBuild
                metadata: {name: x}
                spec:
                  type: qemu
                  source: {scratch: true}
                  provisioner: ssh
                  sshUsername: "root AllowUsers"
                """
            ).spec)
        #expect(throws: BuildError.self) { try QemuImageBuilder.checkSpec(spec) }
    }

    static func temporaryFolder() throws -> String {
        var template = Array("/tmp/kiln-ssh-test-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw CocoaError(.fileWriteUnknown) }
        return String(cString: made)
    }
}
