import Foundation
import KilnCatalog
import KilnReconciler
import KilnSpec
import Testing

@testable import KilnDrivers

@Suite("qemu VM driver")
struct QemuVMDriverTests {
    /// A deadline that only catches a hang: a TCG qemu on a busy 2-core machine once took over 5 s to answer its monitor.
    static let generous: Duration = .seconds(120)

    /// A real TCG qemu's driver, with a short stop grace (the parked guest never answers ACPI's power button) and
    /// generous monitor deadlines (the guest agent keeps its short one: the parked guest has none, and observations
    /// would wait out a long one).
    static func realQemu() -> QemuVMDriver.Options {
        var options = QemuVMDriver.Options(accel: .tcg, stopGrace: .milliseconds(200))
        options.monitorTimeout = generous
        options.commandTimeout = generous
        return options
    }

    static func spec(network: String = "nat", cpus: Int = 2, memory: String = "1gib") -> VirtualMachineSpec {
        VirtualMachineSpec(
            .object([
                "image": .string("i"), "cpus": .int(cpus), "memory": .string(memory),
                "networkType": .string(network)
            ]))
    }

    static let files = QemuVMDriver.Files(directory: "/d/vm")

    @Test("the command line: resources, disk, console, QMP, pidfile, daemonized")
    func commandLine() throws {
        let args = try QemuVMDriver.arguments(
            Self.spec(), name: "web", files: Self.files, options: .init(), kvm: false, boot: [])
        #expect(
            args == [
                "-name", "kiln-web", "-machine", "accel=tcg", "-m", "1024M", "-smp", "2",
                "-drive", "file=/d/vm/disk.qcow2,if=virtio,format=qcow2", "-display", "none",
                "-serial", "file:/d/vm/console.log", "-monitor", "none", "-qmp", "unix:qmp.sock,server=on,wait=off",
                "-qmp", "unix:kiln-qmp.sock,server=on,wait=off",
                "-chardev", "socket,path=qga.sock,server=on,wait=off,id=qga0",
                "-device", "virtio-serial-pci", "-device", "virtserialport,chardev=qga0,name=org.qemu.guest_agent.0",
                "-pidfile", "/d/vm/qemu.pid", "-daemonize", "-nic", "user,model=virtio-net-pci"
            ])
    }

    static let tap = TapDevice(uuid: "0b5e2c1d-9a8f-4e3b-8c7d-112233445566", bridge: "br0")

    /// (networkType, bridge option, a tap device made, the network arguments or nil for an error)
    static let networks: [(String, String?, Bool, [String]?)] = [
        ("nat", nil, false, ["-nic", "user,model=virtio-net-pci"]),
        (
            "hostonly", nil, true,
            [
                "-netdev", "tap,id=net0,ifname=k0b5e2c1d9a8f,script=no,downscript=no",
                "-device", "virtio-net-pci,netdev=net0,mac=52:54:0b:5e:2c:1d"
            ]
        ),
        ("hostonly", nil, false, nil),
        (
            "bridged", "br0", true,
            [
                "-netdev", "tap,id=net0,ifname=k0b5e2c1d9a8f,script=no,downscript=no",
                "-device", "virtio-net-pci,netdev=net0,mac=52:54:0b:5e:2c:1d"
            ]
        ),
        ("bridged", nil, false, nil)
    ]

    @Test("network types map to qemu networks: user-mode NAT, or the VM's tap device on a bridge", arguments: networks)
    func network(_ row: (String, String?, Bool, [String]?)) {
        let options = QemuVMDriver.Options(bridge: row.1)
        let make = {
            try QemuVMDriver.arguments(
                Self.spec(network: row.0), name: "web", files: Self.files, options: options,
                kvm: true, boot: [], tap: row.2 ? Self.tap : nil)
        }
        if let expected = row.3 {
            let args = try? make()
            #expect(args.map { Array($0.suffix(expected.count)) } == expected)
            #expect(args?.contains("accel=kvm") == true)
            #expect(args?.contains("restrict=on") == false)
        } else {
            #expect { try make() } throws: { error in
                "\(error)".contains(row.0 == "bridged" ? "--vm-bridge" : "--vm-hostonly-bridge")
            }
        }
    }

    @Test("a tap device is named and addressed after the VM's uuid, within an interface name's 15 bytes")
    func tapNames() {
        #expect(Self.tap.name == "k0b5e2c1d9a8f")
        #expect(Self.tap.name.utf8.count <= 15)
        let other = TapDevice(uuid: "ffffffff-0000-4000-8000-000000000000", bridge: "kiln0")
        #expect(other.name == "kffffffff0000" && other.mac == "52:54:ff:ff:ff:ff")
        #expect(TapDevice(uuid: "ab", bridge: "b").name == "kab0000000000")
    }

    @Test("a host-only or bridged VM's card: its tap device, the bridge and its MAC address; none for nat")
    func attachment() {
        func vm(_ network: String) -> VMRecord {
            VMRecord(
                name: "web", uuid: "0b5e2c1d-9a8f-4e3b-8c7d-112233445566",
                spec: .object(["image": .string("i"), "networkType": .string(network)]), specHash: "", contentHash: "",
                revision: "", file: "", line: 0, createdAt: Date(), updatedAt: Date())
        }
        let driver = QemuVMDriver(options: .init(bridge: "br7", hostonlyBridge: "kiln9"))
        #expect(driver.attachment(vm("nat")) == nil)
        // No such device on this host: the configured bridge.
        #expect(
            driver.attachment(vm("hostonly"))
                == VMNetworkAttachment(bridge: "kiln9", tap: "k0b5e2c1d9a8f", mac: "52:54:0b:5e:2c:1d"))
        #expect(
            driver.attachment(vm("bridged"))
                == VMNetworkAttachment(bridge: "br7", tap: "k0b5e2c1d9a8f", mac: "52:54:0b:5e:2c:1d"))
    }

    @Test("nat forwards listen on the host's loopback only")
    func forwardsArguments() throws {
        let spec = VirtualMachineSpec(
            .object([
                "image": .string("i"),
                "forwards": .list([
                    .object(["host": .int(2222), "guest": .int(22)]), .object(["host": .int(8080), "guest": .int(80)])
                ])
            ]))
        let args = try QemuVMDriver.arguments(
            spec, name: "web", files: Self.files, options: .init(), kvm: false, boot: [])
        let nic = try #require(args.firstIndex(of: "-nic").map { args[$0 + 1] })
        #expect(nic == "user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:2222-:22,hostfwd=tcp:127.0.0.1:8080-:80")
    }

    @Test("a real qemu binds a forward on 127.0.0.1 and nowhere else")
    func forwardsListenOnLoopback() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-vm-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let base = "\(folder)/base.qcow2"
        try await BootDisks.make(.bios, qcow2: base)
        let image = ImageRecord(
            name: "i", spec: .object([:]), specHash: "", contentHash: "", state: .active, path: base,
            sha256: "x", format: "qcow2", revision: "r", file: "f", line: 1, createdAt: Date(), updatedAt: Date())
        // A port the kernel just gave out and took back: free unless something races for it, which only fails the test.
        let port = try #require(
            Int(
                try await Tool.run(
                    "python3",
                    [
                        "-c",
                        "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"
                    ]
                ).trimmingCharacters(in: .whitespacesAndNewlines)))
        let forward: SpecValue = .object(["host": .int(port), "guest": .int(22)])
        let spec: [String: SpecValue] = [
            "image": .string("i"), "cpus": .int(1), "memory": .string("64mib"), "forwards": .list([forward])
        ]
        var vm = VMRecord(
            name: "f\(getpid())", uuid: "u", spec: .object(spec),
            specHash: "", contentHash: "", revision: "r", file: "f", line: 1, createdAt: Date(), updatedAt: Date())
        let driver = QemuVMDriver(options: Self.realQemu())
        vm.directory = "\(folder)/vm"
        do {
            _ = try await driver.provision(vm, image: image, directory: "\(folder)/vm", start: true)
            let hexPort = String(format: "%04X", port)
            let rows: [[Substring]] = try String(contentsOfFile: "/proc/net/tcp", encoding: .utf8).split(
                separator: "\n"
            )
            .map { $0.split(separator: " ") }
            // Columns: sl, local address, remote address, state (0A: LISTEN).
            let listening: [String] = rows.filter { $0.count > 3 && $0[3] == "0A" && $0[1].hasSuffix(":" + hexPort) }
                .map { String($0[1]) }
            #expect(listening == ["0100007F:\(hexPort)"], "listening on \(listening)")
            let v6 = (try? String(contentsOfFile: "/proc/net/tcp6", encoding: .utf8)) ?? ""
            #expect(!v6.contains(":\(hexPort) "), "not on IPv6 either")
        } catch {
            Issue.record(error)
        }
        try? await driver.destroy(vm)
    }

    @Test("direct kernel boot only with the operator's kernel, with a default command line")
    func kernel() throws {
        let options = QemuVMDriver.Options(kernel: "/vmlinuz", initrd: "/initrd.img")
        let boot = try BootMethod.choose(for: .none, image: "i", options: options).arguments(
            vmFolder: "/d/vm", options: options)
        let args = try QemuVMDriver.arguments(
            Self.spec(), name: "web", files: Self.files, options: options, kvm: false,
            boot: boot)
        #expect(
            Array(args.suffix(6)) == [
                "-kernel", "/vmlinuz", "-initrd", "/initrd.img", "-append",
                "root=/dev/vda rw console=ttyS0 no_timer_check"
            ])
    }

    @Test("a real qemu: provision an overlay, boot, observe through QMP, adopt instead of starting twice, stop")
    func lifecycle() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-vm-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let base = "\(folder)/base.qcow2"
        try await BootDisks.make(.bios, qcow2: base)
        let image = ImageRecord(
            name: "i", spec: .object([:]), specHash: "", contentHash: "", state: .active, path: base,
            sha256: "x", format: "qcow2", revision: "r", file: "f", line: 1, createdAt: Date(), updatedAt: Date())
        var vm = VMRecord(
            name: "t\(getpid())", uuid: "u",
            spec: .object(["image": .string("i"), "cpus": .int(1), "memory": .string("64mib")]),
            specHash: "", contentHash: "", revision: "r", file: "f", line: 1, createdAt: Date(), updatedAt: Date())
        // The parked guest never answers ACPI's power button: stop falls back to quit after the grace.
        let driver = QemuVMDriver(options: Self.realQemu())
        let directory = "\(folder)/vm"
        vm.imageName = "i"
        vm.directory = directory
        do {
            try await exercise(driver, vm: vm, image: image, base: base, directory: directory)
        } catch {
            Issue.record(error)
        }
        // Whatever happened, no qemu outlives the test.
        try? await driver.destroy(vm)
    }

    func exercise(
        _ driver: QemuVMDriver, vm: VMRecord, image: ImageRecord, base: String, directory: String
    ) async throws {
        let started = try await driver.provision(vm, image: image, directory: directory, start: true)
        #expect(started.status == .poweredOn)
        let pid = try #require(started.process?.pid)
        let info = try await Tool.run("qemu-img", ["info", "-U", "--output=json", "\(directory)/disk.qcow2"])
        #expect(info.contains(base))

        let again = try await driver.start(vm)
        #expect(again.process?.pid == pid)
        #expect(await driver.observe(vm).status == .poweredOn)

        // Paused through its monitor (behind Kiln's back): observed off, with why; start resumes the same process.
        let monitor = QMPClient(socket: "\(directory)/qmp.sock", timeout: Self.generous)
        _ = try await monitor.execute("stop")
        #expect(try await monitor.execute("query-status")["status"] == .string("paused"))
        let paused = await driver.observe(vm)
        #expect(paused.status == .poweredOff)
        #expect(paused.message == "its qemu monitor reports paused")
        let resumed = try await driver.start(vm)
        #expect(resumed.status == .poweredOn)
        #expect(resumed.process?.pid == pid)

        let stopped = try await driver.stop(vm)
        #expect(stopped.status == .poweredOff)
        #expect(await driver.observe(vm).status == .poweredOff)
        // Gone, or a zombie waiting for whoever adopted the daemon to reap it: either way not running.
        #expect(!ProcessIdentity.isAlive(try #require(started.process)))
    }
}
