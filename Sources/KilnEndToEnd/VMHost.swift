import Foundation
import KilnSpec
import KilnTestSupport

/// What a test sees of a VM on the host: its status file, its qemu process (by the pidfile in its folder), the qemu
/// processes of a data dir, and its monitor (driven with Debian's python3, as an operator would with socat).
public struct VMHost {
    public let data: DataDirectory
    public let name: String

    public init(data: DataDirectory, name: String) {
        self.data = data
        self.name = name
    }

    public var status: SpecValue? { try? data.status("virtualmachine", name) }
    public var folder: String? { status?["id"]?.string.map { "\(data.path)/vms/\($0)" } }

    /// The pid in the VM's pidfile, if that process is alive.
    public var pid: Int32? {
        guard let folder, let text = try? String(contentsOfFile: "\(folder)/qemu.pid", encoding: .utf8),
            let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), kill(pid, 0) == 0,
            !ProcessSweep.isZombie(pid)
        else { return nil }
        return pid
    }

    /// Every live qemu of the data dir.
    public var qemuProcesses: [Int32] {
        ProcessSweep.pids(mentioning: "\(data.path)/vms/").filter { pid in
            (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.hasPrefix("qemu-system") == true
        }
    }

    /// Sends one QMP command to the VM's own monitor socket.
    public func qmp(_ command: String) async throws {
        guard let folder else { throw VMHostFailure(description: "\(name) has no folder yet") }
        let script = """
            import json, socket, sys
            s = socket.socket(socket.AF_UNIX); s.settimeout(30); s.connect(sys.argv[1]); f = s.makefile("rw")
            def answer():
                while True:
                    m = json.loads(f.readline())
                    if "return" in m or "error" in m: return m
            f.readline(); f.write('{"execute":"qmp_capabilities"}\\n'); f.flush(); answer()
            f.write(json.dumps({"execute": sys.argv[2]}) + "\\n"); f.flush(); print(answer())
            """
        _ = try await ChildProcess.run("/usr/bin/python3", ["-c", script, "\(folder)/qmp.sock", command])
    }

    /// Waits until `condition` holds, checking twice a second; false after `timeout` (generous: it catches hangs) or
    /// once the test is cancelled (its time limit ran out).
    public static func eventually(
        timeout: Duration = .seconds(400), _ condition: () async throws -> Bool
    ) async rethrows -> Bool {
        try await Eventually.holds(within: timeout, every: .milliseconds(500), condition)
    }
}

public struct VMHostFailure: Error, CustomStringConvertible {
    public var description: String

    public init(description: String) { self.description = description }
}
