import Foundation
import KilnTestSupport

/// Boots a disk image under qemu's TCG with Debian's kernel and initrd (direct kernel boot, root on the image) and
/// waits for a line on the serial console. The deadline only catches a real hang: under `.ci/stress` a TCG guest
/// beside the rest of the suite reached 22 s of its own boot in 180 s.
enum GuestBoot {
    struct NoKernel: Error {}

    static func bootAndWait(
        disk: String, format: String, for text: String, in folder: String,
        timeout: Duration = .seconds(900)
    ) async throws -> String {
        let boot = try FileManager.default.contentsOfDirectory(atPath: "/boot")
        guard let kernel = boot.filter({ $0.hasPrefix("vmlinuz-") }).sorted().last,
            let initrd = boot.filter({ $0.hasPrefix("initrd.img-") }).sorted().last
        else { throw NoKernel() }
        let serial = folder + "/serial.log"
        let process = try RunningProcess(
            "/usr/bin/qemu-system-x86_64",
            [
                "-machine", "accel=tcg", "-m", "256", "-nodefaults", "-display", "none", "-no-reboot",
                "-kernel", "/boot/\(kernel)", "-initrd", "/boot/\(initrd)",
                "-append", "root=/dev/vda rw console=ttyS0 panic=-1 no_timer_check",
                "-drive", "file=\(disk),format=\(format),if=virtio", "-snapshot",
                "-serial", "file:\(serial)"
            ])
        // Polled with Task.sleep, never a blocking wait: a thread of the test runner's pool (two on a 2-core machine)
        // held for a whole boot stalls every other test's timers.
        let deadline = ContinuousClock.now + timeout
        var console = ""
        while ContinuousClock.now < deadline, !Task.isCancelled {
            console = (try? String(contentsOfFile: serial, encoding: .utf8)) ?? ""
            // The whole line that holds `text`, not a fixed pause after it: the rest of it may still be on its way.
            if let found = console.range(of: text), console[found.upperBound...].contains("\n") { break }
            if kill(process.pid, 0) != 0 { break }
            try? await Task.sleep(for: .milliseconds(500))
        }
        process.kill()
        _ = await process.wait(timeout: .seconds(60))
        return (try? String(contentsOfFile: serial, encoding: .utf8)) ?? console
    }
}
