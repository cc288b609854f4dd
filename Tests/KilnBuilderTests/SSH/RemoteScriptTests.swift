import Foundation
import Testing

@testable import KilnBuilder

/// The program sent on ssh's stdin, run here with the host's `sh` as the guest's would run it.
@Suite struct RemoteScriptTests {
    @Test func theScriptRunsWithItsEnvironmentAndLeavesNothingBehind() throws {
        let tmp = try BuildVMAccessTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let script = Array(
            "#!/bin/sh\necho \"token=$API_TOKEN quote=$QUOTED\"\necho \"args=$# stdin=$(cat)\"\nls \"${TMPDIR}\" | wc -l\nexit 7\n"
                .utf8)
        let program = RemoteScript.program(
            script: script, interpreter: "/bin/sh",
            environment: ["API_TOKEN": "s3cr3t value", "QUOTED": "it's \"$(not run)\" `x`"])
        #expect(!program.contains("s3cr3t"), "a secret travels base64-encoded, never as text on a line of its own")
        let result = try Shell.run(
            "printf '%s' \(Shell.quoted(program)) | sh -s", environment: ["TMPDIR": tmp, "PATH": "/usr/bin:/bin"])
        #expect(result.status == 7)
        #expect(result.output.contains("token=s3cr3t value quote=it's \"$(not run)\" `x`"), "\(result.output)")
        #expect(result.output.contains("args=0 stdin=\n"), "\(result.output)")
        // While it ran, its private folder was the only thing in TMPDIR (the env file already gone); after, nothing.
        #expect(result.output.contains("1\n"), "\(result.output)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp).isEmpty)
    }

    @Test func anEmptyScriptAndBinaryBytesSurviveTheTrip() throws {
        let tmp = try BuildVMAccessTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let empty = try Shell.run(
            "printf '%s' \(Shell.quoted(RemoteScript.program(script: [], interpreter: "/bin/sh", environment: [:]))) | sh -s",
            environment: ["TMPDIR": tmp, "PATH": "/usr/bin:/bin"])
        #expect(empty.status == 0, "\(empty.output)")
        let bytes = Array("printf '%s' \"KILN-END\"\n# \u{00e9}\u{0001}\n".utf8)
        let odd = try Shell.run(
            "printf '%s' \(Shell.quoted(RemoteScript.program(script: bytes, interpreter: "/bin/sh", environment: [:]))) | sh -s",
            environment: ["TMPDIR": tmp, "PATH": "/usr/bin:/bin"])
        #expect(odd.status == 0 && odd.output == "KILN-END", "\(odd.output)")
    }

    @Test(arguments: [
        ("A", true), ("_x1", true), ("PATH_2", true), ("1A", false), ("A-B", false), ("", false), ("A B", false)
    ])
    func variableNames(name: String, valid: Bool) {
        #expect(RemoteScript.isVariableName(name) == valid)
    }
}

@Suite struct SSHClientTests {
    static func client(_ authentication: SSHClient.Authentication) -> SSHClient {
        SSHClient(
            ssh: "/usr/bin/ssh", port: 40022, username: "root", knownHosts: "/w/ssh/known_hosts",
            authentication: authentication, home: "/w/ssh")
    }

    @Test func keyLoginsPinTheHostKeyAndIgnoreTheHostsConfiguration() {
        let arguments = Self.client(.key("/w/ssh/id_ed25519")).arguments(remoteCommand: "sh -s")
        #expect(Array(arguments.prefix(7)) == ["-F", "/dev/null", "-T", "-p", "40022", "-l", "root"])
        #expect(Array(arguments.suffix(3)) == ["127.0.0.1", "--", "sh -s"])
        for option in [
            "BatchMode=yes", "StrictHostKeyChecking=yes", "UserKnownHostsFile=/w/ssh/known_hosts",
            "GlobalKnownHostsFile=/dev/null", "HostKeyAlias=kiln-build-vm", "IdentityFile=/w/ssh/id_ed25519",
            "IdentitiesOnly=yes", "IdentityAgent=none", "PasswordAuthentication=no"
        ] {
            #expect(arguments.contains(option), "\(option)")
        }
        #expect(
            Self.client(.key("/k")).environment(path: "/usr/bin") == [
                "PATH": "/usr/bin", "LC_ALL": "C", "HOME": "/w/ssh"
            ])
    }

    @Test func passwordLoginsGoThroughAskpassOnly() throws {
        let client = Self.client(.password(askpass: "/w/ssh/askpass"))
        let arguments = client.arguments(remoteCommand: "true")
        #expect(arguments.contains("BatchMode=no") && arguments.contains("PubkeyAuthentication=no"))
        let environment = client.environment(path: "/usr/bin")
        #expect(environment["SSH_ASKPASS"] == "/w/ssh/askpass" && environment["SSH_ASKPASS_REQUIRE"] == "force")
        // The askpass program prints the file's content; the password is in neither the arguments nor the environment.
        let tmp = try BuildVMAccessTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        try "pa ss'word".write(toFile: tmp + "/password", atomically: false, encoding: .utf8)
        try SSHClient.askpassProgram(passwordFile: tmp + "/password").write(
            toFile: tmp + "/askpass", atomically: false, encoding: .utf8)
        #expect(try Shell.check("sh \(tmp)/askpass 'root@127.0.0.1 password:'") == "pa ss'word")
        #expect(!SSHClient.askpassProgram(passwordFile: tmp + "/password").contains("pa ss"))
    }

    /// One shared connection: every command names the same ControlPath (the first login stays open as its master);
    /// a socket path too long for a unix socket turns sharing off instead of failing the login.
    @Test func commandsShareOneConnection() {
        #expect(!Self.client(.key("/k")).arguments(remoteCommand: "true").contains { $0.hasPrefix("Control") })
        var client = Self.client(.key("/w/ssh/id_ed25519"))
        client.controlPath = SSHClient.controlPath(in: "/w/ssh")
        #expect(client.controlPath == "/w/ssh/mux")
        let arguments = client.arguments(remoteCommand: "sh -s")
        for option in ["ControlMaster=auto", "ControlPath=/w/ssh/mux", "ControlPersist=120"] {
            #expect(arguments.contains(option), "\(option)")
        }
        #expect(Array(arguments.suffix(3)) == ["127.0.0.1", "--", "sh -s"])
        #expect(
            SSHClient.closeArguments(controlPath: "/w/ssh/mux") == [
                "-F", "/dev/null", "-o", "ControlPath=/w/ssh/mux", "-O", "exit", "127.0.0.1"
            ])
        let long = "/" + String(repeating: "d", count: 90)
        #expect(SSHClient.controlPath(in: long) == nil)
        #expect(SSHClient.controlPath(in: String(long.prefix(86))) == String(long.prefix(86)) + "/mux")
    }

    @Test func refusalsThatWaitingCannotFixAreRecognized() {
        #expect(
            SSHClient.permanentFailure(
                ["root@127.0.0.1: Permission denied (publickey)."], username: "root", usesPassword: false)?.contains(
                    "refused Kiln's key") == true)
        #expect(
            SSHClient.permanentFailure(["Host key verification failed."], username: "root", usesPassword: false)?
                .contains("host key") == true)
        #expect(
            SSHClient.permanentFailure(
                ["kex_exchange_identification: read: Connection reset by peer"], username: "root", usesPassword: false)
                == nil)
        #expect(
            SSHClient.permanentFailure(
                ["Connection timed out during banner exchange"], username: "root", usesPassword: false) == nil)
    }
}
