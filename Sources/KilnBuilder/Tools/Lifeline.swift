import Glibc

/// Ties a long-lived child (the build VM's qemu) to this process's life, however this process ends.
///
/// A pipe whose write end only this process holds: the child is started through ``wrapper`` with the read end as
/// its stdin. When this process ends (normally, by SIGKILL, by a crash), the kernel closes the write end, the
/// wrapper's watcher reads end-of-file and SIGKILLs the child. A cancellation still goes through the process
/// group, as for every tool. (`PR_SET_PDEATHSIG` would not do: it fires when the spawning *thread* ends, and the
/// cooperative pool's threads come and go.)
final class Lifeline: Sendable {
    /// Given to the child as stdin; ``ProcessRunner`` closes it here once the child has it.
    let readEnd: Int32
    private let writeEnd: Int32

    init() throws(BuildError) {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else {
            throw .fileSystem(operation: "making a pipe for", path: "the build VM", reason: FileSystem.errorText())
        }
        // Close-on-exec on both: no other child may inherit the write end (it would keep the pipe open). (`pipe2` is
        // not imported; swift-subprocess also closes every descriptor beyond 0–2 in the children it starts.)
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        readEnd = ends[0]
        writeEnd = ends[1]
    }

    deinit { close(writeEnd) }

    /// `sh -c` program: runs `"$@"` with stdin from /dev/null, and a watcher that SIGKILLs it once the lifeline
    /// (stdin, moved to fd 3) reaches end-of-file. It exits with the child's status, once the watcher is reaped too.
    static let wrapper = """
        exec 3<&0 </dev/null
        "$@" 3<&- &
        child=$!
        { while read -r _ <&3; do :; done; kill -KILL "$child" 2>/dev/null; } &
        watcher=$!
        exec 3<&-
        wait "$child"
        status=$?
        kill -KILL "$watcher" 2>/dev/null
        wait "$watcher" 2>/dev/null
        exit "$status"
        """

    /// `sh`'s arguments to run `executable` under the lifeline; `name` is `$0` (what `ps` shows).
    static func arguments(name: String, executable: String, _ arguments: [String]) -> [String] {
        ["-c", wrapper, name, executable] + arguments
    }
}
