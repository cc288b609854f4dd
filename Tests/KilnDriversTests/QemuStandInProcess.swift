import Foundation
import KilnTestSupport

@testable import KilnDrivers

/// A process that Kiln's driver takes for a VM's qemu: `tail -f` on the VM's disk, with its pid in `qemu.pid`.
enum QemuStandInProcess {
    /// Starts the stand-in in `folder` and writes its pid file once its command line names the disk.
    ///
    /// Surprising: a pid is known before the child has finished `exec`. In that window `/proc/PID/cmdline` is empty
    /// (the kernel names the process before it sets up its arguments), so a driver reading the pid file at once could
    /// rightly find no qemu. Real qemu writes its pid file after it starts, so the stand-in does too.
    static func spawn(_ folder: String) async throws -> RunningProcess {
        let disk = folder + "/disk.qcow2"
        let process = try RunningProcess("/usr/bin/tail", ["-f", disk])
        let started = await Eventually.holds(within: .seconds(120), every: .milliseconds(10)) {
            ProcessIdentity.commandLine(process.pid).contains(disk)
        }
        guard started else {
            process.kill()
            throw StandInError(message: "tail -f \(disk) (pid \(process.pid)) did not start")
        }
        try "\(process.pid)\n".write(toFile: folder + "/qemu.pid", atomically: true, encoding: .utf8)
        return process
    }

    struct StandInError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}
