import Foundation

/// Boots a disk image under qemu's TCG with Debian's kernel and initrd (direct kernel boot, root on the image) and
/// waits for a line on the serial console.
enum GuestBoot {
    struct NoKernel: Error {}

    static func bootAndWait(disk: String, format: String, for text: String, in folder: String,
                            timeout: Duration = .seconds(180)) throws -> String {
        let boot = try FileManager.default.contentsOfDirectory(atPath: "/boot")
        guard let kernel = boot.filter({ $0.hasPrefix("vmlinuz-") }).sorted().last,
              let initrd = boot.filter({ $0.hasPrefix("initrd.img-") }).sorted().last else { throw NoKernel() }
        let serial = folder + "/serial.log"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/qemu-system-x86_64")
        process.arguments = [
            "-machine", "accel=tcg", "-m", "256", "-nodefaults", "-display", "none", "-no-reboot",
            "-kernel", "/boot/\(kernel)", "-initrd", "/boot/\(initrd)",
            "-append", "root=/dev/vda rw console=ttyS0 panic=-1",
            "-drive", "file=\(disk),format=\(format),if=virtio", "-snapshot",
            "-serial", "file:\(serial)",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            // SIGKILL: the runner's blocked signals are inherited, SIGTERM may never arrive.
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            let console = (try? String(contentsOfFile: serial, encoding: .utf8)) ?? ""
            // The whole line that holds `text`, not a fixed pause after it: the rest of it may still be on its way.
            if let found = console.range(of: text), console[found.upperBound...].contains("\n") {
                return console
            }
            if !process.isRunning { return console }
            Thread.sleep(forTimeInterval: 0.5)
        }
        return (try? String(contentsOfFile: serial, encoding: .utf8)) ?? ""
    }
}
