import Foundation
import KilnCatalog
import KilnReconciler
import KilnSpec
import KilnTestSupport
import Testing

@testable import KilnDrivers

/// Kiln's monitor connection to each running VM, kept open between passes: one handshake per qemu process, a new
/// connection for a new process or after any failure, none held for a stopped VM, and every read bounded.
@Suite("QMP monitor pool")
struct QMPMonitorPoolTests {
    /// A stand-in for a running qemu: a process whose command line names the VM's disk, and its two monitors.
    final class StandIn {
        let folder: String
        var process: RunningProcess
        let operatorMonitor: FakeQMPServer
        let kilnMonitor: FakeQMPServer

        init() async throws {
            folder =
                FileManager.default.temporaryDirectory.appendingPathComponent(
                    "kiln-pool-\(UUID().uuidString.prefix(8))"
                ).path
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: folder + "/disk.qcow2", contents: Data())
            process = try await QemuStandInProcess.spawn(folder)
            operatorMonitor = try await FakeQMPServer(socket: folder + "/qmp.sock")
            kilnMonitor = try await FakeQMPServer(socket: folder + "/kiln-qmp.sock")
        }

        /// A new qemu process in the same folder (a restart), the old one ended.
        func restart() async throws {
            process.kill()
            _ = await process.wait()
            process = try await QemuStandInProcess.spawn(folder)
        }

        var vm: VMRecord {
            var vm = VMRecord(
                name: "web", uuid: "u", spec: .object(["image": .string("i")]), specHash: "", contentHash: "",
                revision: "", file: "", line: 0, createdAt: Date(), updatedAt: Date())
            vm.vmStatus = .poweredOn
            vm.directory = folder
            return vm
        }

        /// The stand-in process as /proc sees it (its state and command line) and what it wrote, for a failure's message.
        func describeProcess() -> String {
            let stat = (try? String(contentsOfFile: "/proc/\(process.pid)/stat", encoding: .utf8)) ?? "no /proc entry"
            let pidfile = (try? String(contentsOfFile: folder + "/qemu.pid", encoding: .utf8)) ?? "no pid file"
            return "stat: \(stat) pid file: \(pidfile) cmdline: \(ProcessIdentity.commandLine(process.pid)) "
                + "stderr: \(process.output.stderr)"
        }

        func handshakes(_ monitor: FakeQMPServer) -> Int { monitor.commands.filter { $0 == "qmp_capabilities" }.count }

        func end() async {
            process.kill()
            _ = await process.wait()
            await operatorMonitor.close()
            await kilnMonitor.close()
            try? FileManager.default.removeItem(atPath: folder)
        }
    }

    /// Deadlines that only catch a hang, unless a test is about the deadline.
    static func driver(monitorTimeout: Duration = .seconds(120)) -> QemuVMDriver {
        var options = QemuVMDriver.Options()
        options.monitorTimeout = monitorTimeout
        return QemuVMDriver(options: options)
    }

    @Test("qemu is started with Kiln's own monitor beside the operator's")
    func twoMonitors() throws {
        let args = try QemuVMDriver.arguments(
            QemuVMDriverTests.spec(), name: "web", files: QemuVMDriverTests.files,
            options: .init(), kvm: false, boot: [])
        let monitors = args.indices.filter { args[$0] == "-qmp" }.map { args[$0 + 1] }
        #expect(monitors == ["unix:qmp.sock,server=on,wait=off", "unix:kiln-qmp.sock,server=on,wait=off"])
    }

    @Test("passes over the same process share one connection and one handshake; the operator's monitor stays free")
    func keptBetweenPasses() async throws {
        let stand = try await StandIn()
        let driver = Self.driver()
        do {
            for _ in 0..<5 { #expect(await driver.observe(stand.vm).status == .poweredOn) }
            #expect(stand.handshakes(stand.kilnMonitor) == 1, "\(stand.kilnMonitor.commands)")
            #expect(stand.kilnMonitor.commands.filter { $0 == "query-status" }.count == 5)
            #expect(stand.operatorMonitor.commands.isEmpty)
            #expect(await driver.monitors.openConnections == 1)

            // Paused behind Kiln's back: the kept connection sees it at once.
            stand.kilnMonitor.set(.answer(status: "paused"))
            let paused = await driver.observe(stand.vm)
            #expect(paused.status == .poweredOff && paused.message == "its qemu monitor reports paused")
            stand.kilnMonitor.set(.answer(status: "running"))

            // A new qemu process in the folder: a new connection, with its own handshake.
            try await stand.restart()
            let restarted = await driver.observe(stand.vm)
            #expect(
                restarted.status == .poweredOn,
                "\(restarted.message ?? "") pid \(stand.process.pid) \(stand.describeProcess())")
            #expect(stand.handshakes(stand.kilnMonitor) == 2, "\(stand.kilnMonitor.commands)")

            // Killed: seen as off, and its connection let go.
            stand.process.kill()
            _ = await stand.process.wait()
            #expect(await driver.observe(stand.vm).status == .poweredOff)
            #expect(await driver.monitors.openConnections == 0)
        } catch {
            Issue.record(error)
        }
        await driver.shutdown()
        await stand.end()
    }

    @Test("stopping or deleting a VM, and shutdown, close its connection")
    func closedOnStopDeleteAndShutdown() async throws {
        let stand = try await StandIn()
        let driver = Self.driver()
        _ = await driver.observe(stand.vm)
        #expect(await driver.monitors.openConnections == 1)
        await driver.monitors.close(key: stand.folder)
        #expect(await driver.monitors.openConnections == 0)
        _ = await driver.observe(stand.vm)
        #expect(stand.handshakes(stand.kilnMonitor) == 2, "closed, so made again")
        await driver.shutdown()
        #expect(await driver.monitors.openConnections == 0)
        // After shutdown the VM is still observed (through a session of its own), but nothing is kept.
        #expect(await driver.observe(stand.vm).status == .poweredOn)
        #expect(await driver.monitors.openConnections == 0)
        await stand.end()
    }

    @Test("a monitor that stops answering costs one deadline, and the next pass connects again")
    func hangBounded() async throws {
        let stand = try await StandIn()
        let driver = Self.driver(monitorTimeout: .milliseconds(300))
        _ = await driver.observe(stand.vm)
        stand.kilnMonitor.set(.hang)
        let started = ContinuousClock.now
        let hung = await driver.observe(stand.vm)
        // No answer says nothing about the guest: its process runs, so it counts as on.
        #expect(hung.status == .poweredOn)
        #expect(ContinuousClock.now - started < .seconds(60), "bounded by the deadline, not by qemu")
        #expect(await driver.monitors.openConnections == 0, "a connection that timed out is not kept")
        stand.kilnMonitor.set(.answer(status: "paused"))
        var observed = await driver.observe(stand.vm)
        // A loaded machine may miss a 300 ms deadline now and then; a few tries find the fresh connection.
        for _ in 0..<20 where observed.status != .poweredOff { observed = await driver.observe(stand.vm) }
        #expect(observed.status == .poweredOff)
        #expect(stand.handshakes(stand.kilnMonitor) >= 2)
        await driver.shutdown()
        await stand.end()
    }

    @Test("a VM without Kiln's monitor (started by an older Kiln) is asked on qmp.sock, session by session")
    func olderQemu() async throws {
        let stand = try await StandIn()
        await stand.kilnMonitor.close()
        let driver = Self.driver()
        stand.operatorMonitor.set(.answer(status: "paused"))
        #expect(await driver.observe(stand.vm).status == .poweredOff)
        #expect(await driver.observe(stand.vm).status == .poweredOff)
        #expect(stand.handshakes(stand.operatorMonitor) == 2)
        #expect(await driver.monitors.openConnections == 0)
        await driver.shutdown()
        await stand.end()
    }
}
