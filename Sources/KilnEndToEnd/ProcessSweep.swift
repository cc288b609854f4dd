import Foundation
import KilnTestSupport

/// Finds and ends the processes a test started indirectly (build workers, their tools, qemu): those whose command line
/// names the test's own temp folder. Each is ended by its pid; nothing else on the host is touched.
public enum ProcessSweep {
    /// Pids of live processes (other than this one) whose command line contains `text`.
    public static func pids(mentioning text: String) -> [Int32] {
        let me = getpid()
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard pid != me, let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty
            else {
                return false
            }
            let line = String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            return line.contains(text) && !isZombie(pid)
        }
    }

    /// A process that has ended but not been reaped still has a /proc entry; it needs no killing.
    public static func isZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return true }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    /// SIGKILLs every process that names `text`, until none is left (at most ~10 s).
    public static func killAll(mentioning text: String) async {
        for _ in 0..<100 {
            let found = pids(mentioning: text)
            if found.isEmpty { return }
            for pid in found { kill(pid, SIGKILL) }
            await CleanupPause.sleep(for: .milliseconds(100))
        }
    }

    /// Waits until no process names `text` (build workers finishing on their own); false after `timeout`.
    public static func waitUntilGone(mentioning text: String, timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, !Task.isCancelled {
            if pids(mentioning: text).isEmpty { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return pids(mentioning: text).isEmpty
    }
}
