import Foundation

/// The machine a benchmark run measured on, read from /proc: what a figure cannot be compared without.
struct Machine: Encodable, Equatable, Sendable {
    var cpu: String
    var cores: Int
    var kernel: String
    var memoryBytes: Int

    /// This machine, now.
    static func current() -> Machine {
        func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        return Machine(
            cpuinfo: read("/proc/cpuinfo"), meminfo: read("/proc/meminfo"),
            kernel: read("/proc/sys/kernel/osrelease"), cores: ProcessInfo.processInfo.activeProcessorCount)
    }

    init(cpu: String, cores: Int, kernel: String, memoryBytes: Int) {
        self.cpu = cpu
        self.cores = cores
        self.kernel = kernel
        self.memoryBytes = memoryBytes
    }

    /// From the text of /proc/cpuinfo (the first `model name`), /proc/meminfo (`MemTotal`, in KiB) and
    /// /proc/sys/kernel/osrelease.
    init(cpuinfo: String, meminfo: String, kernel: String, cores: Int) {
        func field(_ text: String, _ name: String) -> String? {
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: ":", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
            return nil
        }
        let kibibytes = field(meminfo, "MemTotal").flatMap { Int($0.split(separator: " ").first ?? "") } ?? 0
        self.init(
            cpu: field(cpuinfo, "model name") ?? "unknown", cores: cores,
            kernel: kernel.trimmingCharacters(in: .whitespacesAndNewlines), memoryBytes: kibibytes * 1024)
    }

    /// The 1-, 5- and 15-minute load averages from the text of /proc/loadavg.
    static func loadAverage(_ text: String) -> [Double] {
        Array(text.split(separator: " ").prefix(3).compactMap { Double($0) })
    }

    static func loadAverage() -> [Double] {
        loadAverage((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "")
    }
}
