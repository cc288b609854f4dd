import Foundation
import KilnTestSupport

/// A network namespace the test makes (`ip netns add kiln-test-<random>`), so bridges, tap devices and dnsmasq never
/// touch the host's own interfaces. ``with(_:)`` deletes it afterwards, even when the body throws: every process still
/// in it (all started by the test: `ip netns pids` lists only this namespace's) is ended by its pid first.
public struct NetworkNamespace: Sendable {
    public let name: String

    /// Whether this host lets a test make namespaces, bridges and taps (root, `ip`, `/dev/net/tun`).
    public static var available: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip")
            && FileManager.default.fileExists(atPath: "/dev/net/tun")
    }

    public static func with<T>(_ body: (NetworkNamespace) async throws -> T) async throws -> T {
        let namespace = NetworkNamespace(name: "kiln-test-" + UUID().uuidString.prefix(8).lowercased())
        _ = try await ChildProcess.run("/usr/sbin/ip", ["netns", "add", namespace.name])
        do {
            _ = try await namespace.run(["ip", "link", "set", "lo", "up"])
            let result = try await body(namespace)
            await namespace.delete()
            return result
        } catch {
            await namespace.delete()
            throw error
        }
    }

    /// Runs a command inside the namespace to its end, whatever its exit code.
    public func result(_ command: [String], timeout: Duration = .seconds(300)) async throws -> ProcessResult {
        try await ChildProcess.run(
            "/usr/sbin/ip", ["netns", "exec", name] + command, environment: ["NO_COLOR": "1"], timeout: timeout)
    }

    /// Runs a command inside the namespace; a non-zero exit throws.
    @discardableResult
    public func run(_ command: [String], timeout: Duration = .seconds(120)) async throws -> String {
        let result = try await self.result(command, timeout: timeout)
        guard result.exitCode == 0, !result.signalled else {
            throw CommandFailure(
                command: (["ip", "netns", "exec", name] + command).joined(separator: " "), result: result)
        }
        return result.stdout
    }

    /// Runs a command inside the namespace and says whether it succeeded.
    public func succeeds(_ command: [String], timeout: Duration = .seconds(60)) async -> Bool {
        (try? await run(command, timeout: timeout)) != nil
    }

    /// Arguments that run `command` inside the namespace (for ``RunningProcess``): `ip netns exec` execs it, so the
    /// pid is the command's own.
    public func wrap(_ command: [String]) -> [String] { ["netns", "exec", name] + command }

    /// The pids of processes in the namespace.
    public func pids() async -> [Int32] {
        let out = (try? await ChildProcess.run("/usr/sbin/ip", ["netns", "pids", name]))?.stdout ?? ""
        return out.split(separator: "\n").compactMap { Int32($0.trimmingCharacters(in: .whitespaces)) }
    }

    /// Ends what still runs inside (by pid), then deletes the namespace and everything in it.
    public func delete() async {
        for _ in 0..<50 {
            let left = await pids()
            if left.isEmpty { break }
            for pid in left { kill(pid, SIGKILL) }
            await CleanupPause.sleep(for: .milliseconds(100))
        }
        _ = try? await ChildProcess.run("/usr/sbin/ip", ["netns", "delete", name])
    }
}
