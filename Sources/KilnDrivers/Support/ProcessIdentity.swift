import Foundation
import KilnReconciler

/// Identifies processes by pid and start time, so that a pid the kernel reused is never mistaken for Kiln's process.
enum ProcessIdentity {
    /// The start time of `pid` in clock ticks since boot (`/proc/<pid>/stat`, field 22), or nil if it does not run.
    static func startTime(_ pid: Int32) -> UInt64? {
        stat(pid)?.startTime
    }

    /// From one read of `/proc/<pid>/stat`: the start time (field 22) and whether the process is a zombie (field 3).
    static func stat(_ pid: Int32) -> (startTime: UInt64, isZombie: Bool)? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after the command name (which may hold spaces), starting with field 3.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19, let start = UInt64(fields[19]) else { return nil }
        return (start, fields[0] == "Z")
    }

    static func current(_ pid: Int32) -> WorkerProcess? {
        startTime(pid).map { WorkerProcess(pid: pid, startTime: $0) }
    }

    /// Whether the process still runs and is the same one (same start time).
    static func isAlive(_ process: WorkerProcess) -> Bool {
        guard let start = startTime(process.pid) else { return false }
        guard start == process.startTime else { return false }
        // A zombie has exited: not alive.
        if let stat = try? String(contentsOfFile: "/proc/\(process.pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        {
            let state = stat[stat.index(after: close)...].split(separator: " ").first
            if state == "Z" { return false }
        }
        return true
    }

    /// The command line of a process, with NULs as spaces.
    static func commandLine(_ pid: Int32) -> String {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return "" }
        return String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
    }
}
