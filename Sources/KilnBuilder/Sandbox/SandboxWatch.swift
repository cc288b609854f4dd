import Glibc
import Synchronization

/// Keeps track of a sandbox's first process so Kiln can wait for the whole sandbox to be gone after a kill.
///
/// The process-group SIGKILL reaches `bwrap`; the sandboxed processes, in a session and PID namespace of their own,
/// are killed by the kernel when `bwrap` dies (`--die-with-parent`), a moment later. The kernel lets the namespace's
/// first process finish exiting only after every other process in it is gone, so waiting for that one process is
/// waiting for all of them — and only then may the root filesystem be removed.
final class SandboxWatch: Sendable {
    private let first = Mutex<ProcessTable.Entry?>(nil)

    /// Polls until `bwrap` (pid `parent`) has a child, or `bwrap` ends.
    func observe(parent: Int32) async {
        while !Task.isCancelled {
            if let child = ProcessTable.children(of: parent).first, let entry = ProcessTable.entry(child) {
                first.withLock { $0 = entry }
                return
            }
            guard let bwrap = ProcessTable.entry(parent), bwrap.state != "Z" else { return }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Blocks (off the cooperative pool) until the sandbox's first process is gone, for at most `timeout`.
    func waitUntilGone(timeout: Duration = .seconds(30)) async {
        guard let identity = first.withLock({ $0 }) else { return }
        _ = try? await OffThread.run { () throws(BuildError) in
            let clock = ContinuousClock()
            let deadline = clock.now + timeout
            while ProcessTable.isRunning(identity) && clock.now < deadline { usleep(10_000) }
        }
    }
}
