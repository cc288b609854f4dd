import KilnSpec
import KilnTestSupport
import KilnYAML
import Testing

/// A VM's `cloudInit.userData`: a `#cloud-config` mapping, bounded, with secrets only by reference; every refusal with
/// `file:line:column`. And the spec side: the file must be in the commit.
@Suite("cloud-init user-data")
struct CloudInitUserDataTests {
    static func parse(_ text: String) -> Result<CloudInitUserData, YAMLError> {
        CloudInitUserData.parse(Array(text.utf8), file: "vms/cloud/web.yaml")
    }

    static func error(_ text: String) -> String? {
        if case .failure(let error) = parse(text) { return error.description }
        return nil
    }

    @Test("a cloud-config mapping is read; its secret references are collected and resolved only on demand")
    func valid() throws {
        let text = """
            #cloud-config
            packages: [nginx]
            users:
              - name: ada
                passwd: {fromFile: ada-password}
            chpasswd:
              list: {fromEnv: KILN_CHPASSWD}
            write_files:
              - path: /etc/motd
                content: hello
            """
        let data = try Self.parse(text).get()
        #expect(data.references == [.fromFile("ada-password"), .fromEnv("KILN_CHPASSWD")])
        #expect(data.value["packages"] == .list([.string("nginx")]))
        #expect(
            data.value["users"]?.list?.first?["passwd"] == .object(["fromFile": .string("ada-password")]),
            "the document keeps the reference, never a value")
        let resolved = data.resolved { reference in reference == .fromFile("ada-password") ? "s3cret" : "ada:pw" }
        #expect(resolved["users"]?.list?.first?["passwd"] == .string("s3cret"))
        #expect(resolved["chpasswd"]?["list"] == .string("ada:pw"))
        #expect(resolved["write_files"]?.list?.first?["content"] == .string("hello"))
        #expect(
            try Self.parse("#cloud-config\n# nothing yet\n").get().value == .object([:]),
            "only the header: an empty cloud-config")
    }

    /// (user-data, the whole error)
    static let refusals: [(String, String)] = [
        (
            "packages: [nginx]\n",
            "vms/cloud/web.yaml:1:1: user-data must start with the line #cloud-config, as cloud-init requires"
        ),
        (
            "#cloud-config\npackages: [nginx\n",
            "vms/cloud/web.yaml:3:1: did not find expected ',' or ']'"
        ),
        ("#cloud-config\n- nginx\n", "vms/cloud/web.yaml:2:1: user-data must be a mapping, not a list"),
        ("#cloud-config\na: 1\n---\nb: 2\n", "vms/cloud/web.yaml:3:1: user-data must be exactly one YAML document"),
        (
            "#cloud-config\nusers:\n  - name: ada\n    passwd: hunter2\n",
            "vms/cloud/web.yaml:4:13: users[0].passwd is a clear-text secret, and secrets never live in git; write {fromFile: NAME} (a file of Kiln's secrets folder) or {fromEnv: KILN_NAME} instead (then rotate the leaked one)"
        ),
        (
            "#cloud-config\nchpasswd:\n  list: |\n    ada:hunter2\n",
            "vms/cloud/web.yaml:3:9: chpasswd.list is a clear-text secret, and secrets never live in git; write {fromFile: NAME} (a file of Kiln's secrets folder) or {fromEnv: KILN_NAME} instead (then rotate the leaked one)"
        ),
        (
            "#cloud-config\npassword: {fromEnv: HOME}\n",
            "vms/cloud/web.yaml:2:21: password.fromEnv: \"HOME\" must start with KILN_: specs may only read variables meant for them"
        ),
        (
            "#cloud-config\npassword: {fromFile: ../etc/shadow}\n",
            "vms/cloud/web.yaml:2:22: password.fromFile: "
        ),
        ("#cloud-config\na: 1\na: 2\n", "vms/cloud/web.yaml:3:1: ")
    ]

    @Test("refused with file:line:column, never echoing a secret", arguments: refusals)
    func refused(_ row: (String, String)) throws {
        let message = try #require(Self.error(row.0), "accepted: \(row.0)")
        #expect(message.hasPrefix(row.1), "\(message)")
        #expect(!message.contains("hunter2"))
    }

    @Test("bounded in size")
    func tooLarge() throws {
        let big =
            "#cloud-config\nwrite_files:\n  - content: \"" + String(repeating: "x", count: CloudInitUserData.maxBytes)
            + "\"\n"
        let message = try #require(Self.error(big))
        #expect(
            message.hasPrefix(
                "vms/cloud/web.yaml:1:1: user-data is \(big.utf8.count) bytes, over the limit of 65536 bytes"))
    }

    @Test("the spec names a file of the same commit: a missing one is an error at the field; its digest is kept")
    func specSide() throws {
        let vm = """
            apiVersion: kiln.dev/v1
            kind: VirtualMachine
            metadata: {name: web}
            spec:
              image: {url: "https://example.com/d.qcow2", checksum: "sha256:\(String(repeating: "a", count: 64))"}
              cloudInit: {userData: cloud/web.yaml}

            """
        guard case .failure(let failure) = SnapshotFixture.load(["vms.yaml": vm]) else {
            Issue.record("a missing user-data file was accepted")
            return
        }
        #expect(
            failure.errors.map(\.description) == [
                "vms.yaml:6:25: spec.cloudInit.userData: no file cloud/web.yaml under the spec root (paths are relative to the spec root)"
            ])
        let snapshot = try SnapshotFixture.load(["vms.yaml": vm, "cloud/web.yaml": "#cloud-config\n"]).get()
        #expect(snapshot.object(.virtualMachine, "web")?.virtualMachine?.userDataPath == "cloud/web.yaml")
        #expect(snapshot.fileDigests["cloud/web.yaml"] == Digest.sha256Hex("#cloud-config\n"))
        // Its content is checked with the commit: a bad file stops the snapshot, pointing into that file.
        guard
            case .failure(let bad) = SnapshotFixture.load([
                "vms.yaml": vm, "cloud/web.yaml": "#cloud-config\n- a list\n"
            ])
        else {
            Issue.record("bad user-data was accepted")
            return
        }
        #expect(bad.errors.map(\.description) == ["cloud/web.yaml:2:1: user-data must be a mapping, not a list"])
    }
}
