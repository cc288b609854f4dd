import Glibc

/// Reads `/proc` for what the process-group signal cannot reach: the processes of a sandbox, which live in a session
/// and PID namespace of their own.
enum ProcessTable {
    /// A process as `/proc/<pid>/stat` describes it. `startTime` tells a process from a later one that got its pid.
    struct Entry: Sendable, Hashable {
        var pid: Int32
        var state: Character
        var parent: Int32
        var startTime: UInt64
        var group: Int32 = 0
    }

    /// Parses one `/proc/<pid>/stat` line. The command name (field 2) may hold spaces and parentheses, so fields are
    /// counted from the last `)`.
    static func parse(stat line: String) -> Entry? {
        guard let open = line.firstIndex(of: "("), let close = line.lastIndex(of: ")"),
            let pid = Int32(line[..<open].filter { $0 != " " })
        else { return nil }
        let fields = line[line.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state); field 4 is the parent; field 5 the process group; field 22 the start time.
        guard fields.count > 19, let state = fields[0].first, let parent = Int32(fields[1]),
            let group = Int32(fields[2]), let start = UInt64(fields[19])
        else { return nil }
        return Entry(pid: pid, state: state, parent: parent, startTime: start, group: group)
    }

    static func entry(_ pid: Int32) -> Entry? {
        guard let bytes = try? FileBytes.read("/proc/\(pid)/stat", limit: 4096) else { return nil }
        return parse(stat: String(decoding: bytes, as: UTF8.self))
    }

    /// The children of `pid`, from `/proc/<pid>/task/<pid>/children` or, where the kernel lacks it, a scan of `/proc`.
    static func children(of pid: Int32) -> [Int32] {
        if let bytes = try? FileBytes.read("/proc/\(pid)/task/\(pid)/children", limit: 1 << 16) {
            return String(decoding: bytes, as: UTF8.self).split(separator: " ").compactMap { Int32($0) }
        }
        guard let dir = opendir("/proc") else { return [] }
        defer { closedir(dir) }
        var out: [Int32] = []
        while let item = readdir(dir) {
            let name = withUnsafeBytes(of: item.pointee.d_name) {
                String(cString: $0.bindMemory(to: CChar.self).baseAddress!)
            }
            if let child = Int32(name), entry(child)?.parent == pid { out.append(child) }
        }
        return out
    }

    /// The processes of process group `group` that still run (zombies and the dying do not count).
    static func liveMembers(ofGroup group: Int32) -> [Int32] {
        guard group > 1, let dir = opendir("/proc") else { return [] }
        defer { closedir(dir) }
        var out: [Int32] = []
        while let item = readdir(dir) {
            let name = withUnsafeBytes(of: item.pointee.d_name) {
                String(cString: $0.bindMemory(to: CChar.self).baseAddress!)
            }
            if let pid = Int32(name), let entry = entry(pid), entry.group == group, entry.state != "Z",
                entry.state != "X"
            {
                out.append(pid)
            }
        }
        return out
    }

    /// Whether the process is still running (not gone, not a zombie, not replaced by another with its pid).
    static func isRunning(_ identity: Entry) -> Bool {
        guard let now = entry(identity.pid) else { return false }
        return now.startTime == identity.startTime && now.state != "Z" && now.state != "X"
    }
}
