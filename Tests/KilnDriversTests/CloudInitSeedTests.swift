import Foundation
import KilnCatalog
import KilnReconciler
import KilnSpec
import Testing

@testable import KilnDrivers

/// cloud-init NoCloud seeds: what goes in (hostname, instance id, public keys only), the FAT image mtools makes
/// (read back with mtools and blkid), and how qemu gets it.
@Suite("cloud-init seed")
struct CloudInitSeedTests {
    static func temp() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-seed-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func run(_ tool: String, _ arguments: [String]) async throws -> String {
        try await Tool.run(tool, arguments)
    }

    @Test(
        "meta-data names the instance and host; user-data is a cloud-config with the keys; a VM name becomes a hostname"
    )
    func content() {
        let seed = CloudInitSeed(
            instanceId: "0b5e…-uuid", vmName: "Web_1.eu", sshAuthorizedKeys: ["ssh-ed25519 AAAAC3Nz ada@host"])
        #expect(seed.hostname == "web-1-eu")
        #expect(seed.metaData == "instance-id: \"0b5e…-uuid\"\nlocal-hostname: \"web-1-eu\"\n")
        #expect(
            seed.userData == """
                #cloud-config
                hostname: "web-1-eu"
                preserve_hostname: false
                ssh_authorized_keys:
                  - "ssh-ed25519 AAAAC3Nz ada@host"

                """)
        #expect(CloudInitSeed(instanceId: "u", vmName: "web").userData.contains("ssh_authorized_keys") == false)
        #expect(CloudInitSeed.hostname("___") == "kiln-vm")
    }

    @Test("an authorized_keys file gives its public keys; a private key in it is refused, naming the file and line")
    func keys() throws {
        let folder = try Self.temp()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let good = folder + "/authorized_keys"
        try "# ops\nssh-ed25519 AAAAC3Nz ada@host\n\necdsa-sha2-nistp256 AAAAE2V bob\n".write(
            toFile: good, atomically: true, encoding: .utf8)
        #expect(
            try CloudInitSeed.authorizedKeys(file: good) == [
                "ssh-ed25519 AAAAC3Nz ada@host", "ecdsa-sha2-nistp256 AAAAE2V bob"
            ])
        let bad = folder + "/id_ed25519"
        try "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE=\n".write(
            toFile: bad, atomically: true, encoding: .utf8)
        #expect { try CloudInitSeed.authorizedKeys(file: bad) } throws: { error in
            "\(error)"
                == "--vm-ssh-authorized-keys \(bad):1 is not a public key (ssh-…, ecdsa-… or sk-…); only public keys go into a VM's seed"
        }
        #expect(throws: CloudInitSeedError.self) { try CloudInitSeed.authorizedKeys(file: folder + "/missing") }
    }

    @Test("the seed is a FAT image labelled CIDATA holding meta-data and user-data, made without mounting")
    func image() async throws {
        let folder = try Self.temp()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let seed = CloudInitSeed(instanceId: "1234", vmName: "web", sshAuthorizedKeys: ["ssh-ed25519 AAAA k"])
        let path = folder + "/seed.img"
        try await seed.write(to: path)
        let blkid = try await Self.run("blkid", ["-o", "export", path])
        #expect(blkid.contains("LABEL=CIDATA") && blkid.contains("TYPE=vfat"), "\(blkid)")
        #expect(try await Self.run("mtype", ["-i", path, "::meta-data"]) == seed.metaData)
        #expect(try await Self.run("mtype", ["-i", path, "::user-data"]) == seed.userData)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["seed.img"], "no scratch files left")
    }

    @Test("qemu gets the seed read-only after the VM's own disk")
    func commandLine() throws {
        let files = QemuVMDriver.Files(directory: "/d/vm")
        let spec = VirtualMachineSpec(.object(["image": .string("i")]))
        let args = try QemuVMDriver.arguments(
            spec, name: "web", files: files, options: .init(), kvm: false, boot: [], seed: files.seed)
        let drives = args.indices.filter { args[$0] == "-drive" }.map { args[$0 + 1] }
        #expect(
            drives == [
                "file=/d/vm/disk.qcow2,if=virtio,format=qcow2", "file=/d/vm/seed.img,if=virtio,format=raw,readonly=on"
            ])
        let plain = try QemuVMDriver.arguments(spec, name: "web", files: files, options: .init(), kvm: false, boot: [])
        #expect(!plain.contains { $0.contains("seed.img") })
    }

    @Test("provisioning a VM that wants cloud-init makes its seed beside the overlay; one that does not gets none")
    func provision() async throws {
        let folder = try Self.temp()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let base = folder + "/base.qcow2"
        try await Self.run("qemu-img", ["create", "-q", "-f", "qcow2", base, "16M"])
        let keys = folder + "/keys"
        try "ssh-ed25519 AAAAC3Nz ada@host\n".write(toFile: keys, atomically: true, encoding: .utf8)
        let driver = QemuVMDriver(options: .init(sshAuthorizedKeys: keys))
        let epoch = Date(timeIntervalSince1970: 0)
        let image = ImageRecord(
            name: "i", spec: .object([:]), specHash: "", contentHash: "", state: .active, path: base,
            format: "qcow2", revision: "", file: "", line: 0, createdAt: epoch, updatedAt: epoch)
        var vm = VMRecord(
            name: "web", uuid: "5f0c7a1e", spec: .object(["image": .string("i")]), specHash: "", contentHash: "",
            revision: "", file: "", line: 0, createdAt: epoch, updatedAt: epoch)
        vm.cloudInit = true
        _ = try await driver.provision(vm, image: image, directory: folder + "/vm", start: false)
        let seed = try await Self.run("mtype", ["-i", folder + "/vm/seed.img", "::user-data"])
        #expect(seed.contains("hostname: \"web\"") && seed.contains("ssh-ed25519 AAAAC3Nz ada@host"), "\(seed)")
        #expect(
            try await Self.run("mtype", ["-i", folder + "/vm/seed.img", "::meta-data"]).contains(
                "instance-id: \"5f0c7a1e\""))

        vm.cloudInit = false
        _ = try await driver.provision(vm, image: image, directory: folder + "/vm", start: false)
        #expect(!FileManager.default.fileExists(atPath: folder + "/vm/seed.img"))
    }

    @Test("the spec's user-data goes into the seed: the VM's hostname unless it names one, the operator's keys added")
    func userDataContent() throws {
        let data = try CloudInitUserData.parse(
            Array(
                """
                #cloud-config
                packages: [nginx]
                ssh_authorized_keys: ["ssh-ed25519 BBBB own@key"]
                """.utf8), file: "cloud/web.yaml"
        ).get()
        let seed = CloudInitSeed(
            instanceId: "u", vmName: "web", sshAuthorizedKeys: ["ssh-ed25519 AAAA ops@host"], userData: data.value)
        #expect(seed.userData.hasPrefix("#cloud-config\n"))
        let document = try #require(SpecValue(json: String(seed.userData.dropFirst("#cloud-config\n".count))))
        #expect(
            document
                == .object([
                    "packages": .list([.string("nginx")]), "hostname": .string("web"),
                    "preserve_hostname": .bool(false),
                    "ssh_authorized_keys": .list([
                        .string("ssh-ed25519 BBBB own@key"), .string("ssh-ed25519 AAAA ops@host")
                    ])
                ]))
        let named = CloudInitSeed(instanceId: "u", vmName: "web", userData: .object(["hostname": .string("db")]))
        #expect(
            SpecValue(json: String(named.userData.dropFirst("#cloud-config\n".count)))
                == .object(["hostname": .string("db")]))
    }

    @Test(
        "a seed with user-data: its secrets resolved from --secrets-dir into the seed only; a missing secret fails terminally, unnamed"
    )
    func userDataSecrets() async throws {
        let folder = try Self.temp()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let base = folder + "/base.qcow2"
        try await Self.run("qemu-img", ["create", "-q", "-f", "qcow2", base, "16M"])
        try FileManager.default.createDirectory(atPath: folder + "/secrets", withIntermediateDirectories: true)
        try "s3cret\n".write(toFile: folder + "/secrets/ada", atomically: true, encoding: .utf8)
        let driver = QemuVMDriver(options: .init(secretsDirectory: folder + "/secrets"))
        let epoch = Date(timeIntervalSince1970: 0)
        let image = ImageRecord(
            name: "i", spec: .object([:]), specHash: "", contentHash: "", state: .active, path: base,
            format: "qcow2", revision: "", file: "", line: 0, createdAt: epoch, updatedAt: epoch)
        let vm = VMRecord(
            name: "web", uuid: "5f0c7a1e", spec: .object(["image": .string("i")]), specHash: "", contentHash: "",
            revision: "", file: "", line: 0, createdAt: epoch, updatedAt: epoch)
        let good = try CloudInitUserData.parse(
            Array("#cloud-config\nusers: [{name: ada, plain_text_passwd: {fromFile: ada}}]\n".utf8),
            file: "u.yaml"
        ).get()
        _ = try await driver.provision(vm, image: image, directory: folder + "/vm", start: false, userData: good)
        let seed = try await Self.run("mtype", ["-i", folder + "/vm/seed.img", "::user-data"])
        #expect(seed.contains("\"plain_text_passwd\": \"s3cret\"") && seed.contains("\"hostname\": \"web\""), "\(seed)")

        let missing = try CloudInitUserData.parse(
            Array("#cloud-config\npassword: {fromFile: nobody}\n".utf8), file: "u.yaml"
        ).get()
        await #expect {
            try await driver.provision(vm, image: image, directory: folder + "/vm2", start: false, userData: missing)
        } throws: { error in
            let failure = ActionFailure(error)
            return failure.isTerminal && failure.message.contains("fromFile nobody") && failure.message.contains("web")
        }
    }
}
