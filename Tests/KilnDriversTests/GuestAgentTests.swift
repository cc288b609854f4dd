import Foundation
import KilnCatalog
import KilnReconciler
import KilnSpec
import KilnTestSupport
import Testing

@testable import KilnDrivers

/// qemu-guest-agent: guestOs and ipAddress from its answers over the VM's virtio-serial channel, asked only while
/// the spec's toolsInitTimeout runs, and a status that says when it never answered.
@Suite("guest agent")
struct GuestAgentTests {
    static let osinfo =
        #"{"id": "debian", "name": "Debian GNU/Linux", "pretty-name": "Debian GNU/Linux 12 (bookworm)", "version-id": "12"}"#
    static let interfaces = #"""
        [{"name": "lo", "ip-addresses": [{"ip-address-type": "ipv4", "ip-address": "127.0.0.1", "prefix": 8}]},
         {"name": "enp0s3", "hardware-address": "52:54:00:12:34:56",
          "ip-addresses": [{"ip-address-type": "ipv6", "ip-address": "fec0::5054:ff:fe12:3456", "prefix": 64},
                           {"ip-address-type": "ipv4", "ip-address": "10.0.2.15", "prefix": 24}]}]
        """#

    static func vm(toolsInitTimeout: String, bootStartedAt: Date? = nil, guestOs: String? = nil) -> VMRecord {
        let epoch = Date(timeIntervalSince1970: 0)
        var vm = VMRecord(
            name: "web", uuid: "u",
            spec: .object(["image": .string("i"), "toolsInitTimeout": .string(toolsInitTimeout)]),
            specHash: "", contentHash: "", revision: "", file: "", line: 0, createdAt: epoch, updatedAt: epoch)
        vm.vmStatus = .poweredOn
        vm.bootStartedAt = bootStartedAt
        vm.guestOs = guestOs
        return vm
    }

    @Test("the agent's answers give the OS's pretty name and the first IPv4 address off loopback")
    func parsing() throws {
        let info = QemuVMDriver.guestInfo(
            osinfo: try #require(SpecValue(json: Self.osinfo)),
            interfaces: try #require(SpecValue(json: Self.interfaces)))
        #expect(info == QemuVMDriver.GuestInfo(os: "Debian GNU/Linux 12 (bookworm)", ipAddress: "10.0.2.15"))
        #expect(QemuVMDriver.guestInfo(osinfo: .object([:]), interfaces: .list([])) == nil)
    }

    @Test("asked over the agent's socket (guest-sync first), and nothing when no agent answers before the deadline")
    func asking() async throws {
        let socket = FileManager.default.temporaryDirectory.appendingPathComponent(
            "kiln-qga-\(UUID().uuidString.prefix(8)).sock"
        ).path
        let agent = try await FakeQMPServer(
            socket: socket, behaviour: .agent(osinfo: Self.osinfo, interfaces: Self.interfaces))
        // A deadline that only catches a hang (a loaded machine once took 17 s for a QMP round trip).
        let info = await QemuVMDriver.askAgent(socket, timeout: .seconds(120))
        #expect(info?.os == "Debian GNU/Linux 12 (bookworm)" && info?.ipAddress == "10.0.2.15")
        #expect(agent.commands == ["guest-sync", "guest-get-osinfo", "guest-network-get-interfaces"])
        agent.set(.hang)
        #expect(await QemuVMDriver.askAgent(socket, timeout: .milliseconds(300)) == nil)
        await agent.close()
        #expect(await QemuVMDriver.askAgent(socket) == nil, "no socket, no question")
    }

    @Test("observing a VM asks the agent only once its monitor says the guest opened the agent's port")
    func observeAsksOnlyAnOpenPort() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "kiln-qga-\(UUID().uuidString.prefix(8))"
        ).path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // A stand-in for qemu: a process whose command line names the VM's disk, its monitor, and an agent.
        FileManager.default.createFile(atPath: folder + "/disk.qcow2", contents: Data())
        let process = try await QemuStandInProcess.spawn(folder)
        let monitor = try await FakeQMPServer(socket: folder + "/qmp.sock")
        let agent = try await FakeQMPServer(
            socket: folder + "/qga.sock", behaviour: .agent(osinfo: Self.osinfo, interfaces: Self.interfaces))
        var vm = Self.vm(toolsInitTimeout: "10m", bootStartedAt: Date())
        vm.directory = folder
        // Deadlines that only catch a hang.
        var options = QemuVMDriver.Options()
        options.monitorTimeout = .seconds(120)
        options.agentTimeout = .seconds(120)
        let driver = QemuVMDriver(options: options)
        let closed = await driver.observe(vm)
        #expect(closed.status == .poweredOn && closed.guestOs == nil)
        #expect(agent.commands.isEmpty, "a guest that has not opened the agent's port is not asked")
        #expect(monitor.commands.contains("query-chardev"))
        monitor.setAgentPortOpen(true)
        let open = await driver.observe(vm)
        #expect(open.guestOs == "Debian GNU/Linux 12 (bookworm)" && open.ipAddress == "10.0.2.15", "\(open)")
        #expect(agent.commands.first == "guest-sync")

        // The same process, whose agent answered before the guest had an address: asked again, while the wait runs.
        let identity = try #require(ProcessIdentity.current(process.pid))
        vm.pid = identity.pid
        vm.pidStartTime = identity.startTime
        vm.guestOs = "Debian GNU/Linux 12 (bookworm)"
        let asked = agent.commands.count
        let again = await driver.observe(vm)
        #expect(again.ipAddress == "10.0.2.15" && agent.commands.count > asked, "\(again) \(agent.commands)")
        // Both known for this process: the agent is left alone, and the observation keeps what it said.
        vm.ipAddress = "10.0.2.15"
        let settled = agent.commands.count
        let known = await driver.observe(vm)
        #expect(agent.commands.count == settled, "\(agent.commands)")
        #expect(known.guestOs == "Debian GNU/Linux 12 (bookworm)" && known.ipAddress == "10.0.2.15", "\(known)")
        await agent.close()
        await monitor.close()
        process.kill()
        _ = await process.wait()
    }

    @Test("the agent is asked only while toolsInitTimeout runs from the process's start, and never with 0s")
    func window() {
        let now = Date()
        #expect(!QemuVMDriver.asksAgent(Self.vm(toolsInitTimeout: "0s"), sameProcess: false, now: now))
        #expect(
            QemuVMDriver.asksAgent(
                Self.vm(toolsInitTimeout: "30s", bootStartedAt: now - 10), sameProcess: true, now: now))
        #expect(
            !QemuVMDriver.asksAgent(
                Self.vm(toolsInitTimeout: "30s", bootStartedAt: now - 60), sameProcess: true, now: now))
        #expect(
            QemuVMDriver.asksAgent(
                Self.vm(toolsInitTimeout: "30s", bootStartedAt: now - 60), sameProcess: false, now: now),
            "a new process starts a new wait")
    }

    @Test("status says the agent answered, or that it is missing once toolsInitTimeout has passed")
    func status() {
        let now = Date()
        func agent(_ vm: VMRecord) -> String? {
            StatusDocument.vm(vm, notes: [], now: now).first { $0.0 == "guestAgent" }?.1.string
        }
        #expect(agent(Self.vm(toolsInitTimeout: "30s", bootStartedAt: now - 10)) == nil, "still waiting")
        #expect(
            agent(Self.vm(toolsInitTimeout: "30s", bootStartedAt: now - 60))?.hasPrefix(
                "missing: no answer from qemu-guest-agent within toolsInitTimeout (30s)") == true)
        #expect(
            agent(Self.vm(toolsInitTimeout: "30s", bootStartedAt: now - 60, guestOs: "Debian GNU/Linux 12 (bookworm)"))
                == "answered: Debian GNU/Linux 12 (bookworm)")
        #expect(agent(Self.vm(toolsInitTimeout: "0s", bootStartedAt: now - 60)) == nil)
    }
}
