import Foundation
import KilnCatalog
import KilnReconciler
import KilnSpec
import KilnTestSupport
import Testing

@testable import KilnDrivers

/// `powerState: stopped` powers a VM off the way a person would: the ACPI power button first (`system_powerdown` on its
/// monitor), and qemu's `quit` only for a guest that ignores the button past `--vm-stop-grace`. A stand-in process (whose
/// command line names the VM's disk) plays qemu; the test ends it when qemu would end.
@Suite("qemu VM power")
struct VMPowerTests {
    static func driver(stopGrace: Duration) -> QemuVMDriver {
        var options = QemuVMDriver.Options()
        options.stopGrace = stopGrace
        return QemuVMDriver(options: options)
    }

    /// Waits until the operator's monitor of `stand` has been sent `command`; false after a deadline that only catches
    /// a hang.
    static func received(_ command: String, _ stand: QMPMonitorPoolTests.StandIn) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline, !Task.isCancelled {
            if stand.operatorMonitor.commands.contains(command) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return stand.operatorMonitor.commands.contains(command)
    }

    @Test("a guest that powers off on the ACPI button is never sent quit")
    func powerButtonFirst() async throws {
        let stand = try await QMPMonitorPoolTests.StandIn()
        // A grace far longer than the test: only the guest's own power-off can end the stop before it.
        let driver = Self.driver(stopGrace: .seconds(3600))
        let vm = stand.vm
        let stopping = Task { try await driver.stop(vm) }
        let pressed = await Self.received("system_powerdown", stand)
        // The guest powers off: qemu exits.
        stand.process.kill()
        _ = await stand.process.wait()
        let stopped = await stopping.result
        let commands = stand.operatorMonitor.commands
        await driver.shutdown()
        await stand.end()
        #expect(pressed, "\(commands)")
        #expect(try stopped.get().status == .poweredOff)
        #expect(commands == ["qmp_capabilities", "system_powerdown"])
    }

    @Test("a guest that ignores the ACPI button is quit through the monitor once the grace has passed")
    func quitAfterTheGrace() async throws {
        let stand = try await QMPMonitorPoolTests.StandIn()
        let driver = Self.driver(stopGrace: .milliseconds(200))
        let vm = stand.vm
        let stopping = Task { try await driver.stop(vm) }
        // The guest ignores the button; qemu exits on quit.
        let quit = await Self.received("quit", stand)
        stand.process.kill()
        _ = await stand.process.wait()
        let stopped = await stopping.result
        let commands = stand.operatorMonitor.commands
        await driver.shutdown()
        await stand.end()
        #expect(quit, "\(commands)")
        #expect(try stopped.get().status == .poweredOff)
        #expect(
            commands.filter { $0 != "qmp_capabilities" } == ["system_powerdown", "quit"],
            "the button first, then quit: \(commands)")
    }
}
