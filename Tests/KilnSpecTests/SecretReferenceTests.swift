import KilnSpec
import Testing

/// Secrets never live in git: a field marked secret takes only `{fromEnv: KILN_…}` or `{fromFile: PATH}`, and an
/// error about a clear-text value never repeats the value.
@Suite struct SecretReferenceTests {
    static let build = "type: qemu\nsource: {scratch: true}\n"
    static let clearText =
        "is a clear-text secret, and secrets never live in git; write {fromEnv: KILN_…} or {fromFile: NAME} and give Kiln the value on its host (then rotate the leaked one)"

    @Test func referencesAreAccepted() throws {
        let build = try object(
            Doc.build(
                Self.build
                    + "sshPassword: {fromEnv: KILN_BUILD_SSH_PASSWORD}\nscripts: [{name: a, path: a.sh, secretEnv: {TOKEN: {fromFile: ./tokens/api}}}]"
            ))
        #expect(build.imageBuild?.sshPassword == .fromEnv("KILN_BUILD_SSH_PASSWORD"))
        #expect(build.imageBuild?.scripts.first?.secretEnv == ["TOKEN": .fromFile("tokens/api")])
        #expect(build.spec["sshPassword"] == .object(["fromEnv": .string("KILN_BUILD_SSH_PASSWORD")]))
        #expect(SecretReference.fromEnv("KILN_X").description == "fromEnv KILN_X")
    }

    @Test(arguments: [
        ("sshPassword: hunter2-Секрет", "s.yaml:8:16: spec.sshPassword: "),
        ("sshPassword: 'hunter2-Секрет'", "s.yaml:8:16: spec.sshPassword: "),
        ("sshPassword: |\n  hunter2-Секрет", "s.yaml:8:16: spec.sshPassword: "),
        (
            "scripts: [{name: a, path: a.sh, secretEnv: {TOKEN: hunter2-Секрет}}]",
            "s.yaml:8:54: spec.scripts[0].secretEnv.TOKEN: "
        )
    ])
    func clearTextSecretsAreRefusedWithoutEchoingThem(line: String, prefix: String) {
        let found = errors(Doc.build(Self.build + line))
        #expect(found == [prefix + Self.clearText])
        #expect(!found.joined().contains("hunter2"))
        #expect(!found.joined().contains("Секрет"))
    }

    @Test func aNumericClearTextSecretIsRefusedToo() {
        let found = errors(Doc.build(Self.build + "sshPassword: 987654321"))
        #expect(found == ["s.yaml:8:16: spec.sshPassword: " + Self.clearText])
        #expect(!found.joined().contains("987654321"))
    }

    @Test(arguments: [
        (
            "{fromEnv: HOME}",
            #"s.yaml:8:26: spec.sshPassword.fromEnv: "HOME" must start with KILN_: specs may only read variables meant for them"#
        ),
        (
            "{fromEnv: AWS_SECRET_ACCESS_KEY}",
            #"s.yaml:8:26: spec.sshPassword.fromEnv: "AWS_SECRET_ACCESS_KEY" must start with KILN_: specs may only read variables meant for them"#
        ),
        (
            "{fromEnv: KILN_}",
            #"s.yaml:8:26: spec.sshPassword.fromEnv: "KILN_" must start with KILN_: specs may only read variables meant for them"#
        ),
        (
            "{fromEnv: kiln_password}",
            #"s.yaml:8:26: spec.sshPassword.fromEnv: "kiln_password" is not an environment variable name (upper-case letters, digits, _)"#
        ),
        (
            "{fromEnv: KILN-PASSWORD}",
            #"s.yaml:8:26: spec.sshPassword.fromEnv: "KILN-PASSWORD" is not an environment variable name (upper-case letters, digits, _)"#
        ),
        (
            "{fromEnv: 1KILN}",
            #"s.yaml:8:26: spec.sshPassword.fromEnv: "1KILN" is not an environment variable name (upper-case letters, digits, _)"#
        ),
        (
            "{fromFile: /etc/shadow}",
            #"s.yaml:8:27: spec.sshPassword.fromFile: "/etc/shadow" is absolute; write a path relative to the spec root (fromFile names a file in Kiln's secrets folder)"#
        ),
        (
            "{fromFile: ../../.ssh/id_rsa}",
            #"s.yaml:8:27: spec.sshPassword.fromFile: "../../.ssh/id_rsa" leaves the spec root (..); name a file inside it (fromFile names a file in Kiln's secrets folder)"#
        ),
        (
            "{fromFIle: pw}",
            #"s.yaml:8:16: spec.sshPassword: a secret reference has exactly one key, fromEnv or fromFile (did you mean "fromFile"?)"#
        ),
        (
            "{fromEnv: KILN_A, fromFile: pw}",
            "s.yaml:8:16: spec.sshPassword: a secret reference has exactly one key, fromEnv or fromFile"
        ),
        ("{}", "s.yaml:8:16: spec.sshPassword: a secret reference has exactly one key, fromEnv or fromFile"),
        ("[KILN_A]", "s.yaml:8:16: spec.sshPassword: must be {fromEnv: NAME} or {fromFile: PATH}, not a list"),
        ("~", "s.yaml:8:16: spec.sshPassword: must be {fromEnv: NAME} or {fromFile: PATH}, not null"),
        ("{fromEnv: [KILN_A]}", "s.yaml:8:26: spec.sshPassword.fromEnv: must be a string, not a list")
    ])
    func malformedReferencesAreRefused(value: String, expected: String) {
        #expect(errors(Doc.build(Self.build + "sshPassword: " + value)) == [expected])
    }
}
