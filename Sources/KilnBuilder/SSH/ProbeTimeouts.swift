/// The connect timeouts (ssh's `ConnectTimeout`, seconds) of the tries that wait for the build VM's SSH server.
///
/// qemu's user-mode network accepts a forwarded connection on the host side at once, before the guest has any
/// network: ssh then waits its whole connect timeout for a banner ("Connection timed out during banner exchange").
/// With a fixed 20 s, an SSH server that starts just after a try began is found up to 20 s late. So the tries start
/// short (5 s) and grow by a second after each such time-out, which still reaches the full 20 s for a guest whose
/// server is slow to answer; and once the guest's network answered at all (a reset or refused connection: the guest
/// is up, its server not yet), every further try gets the full 20 s. A pure value, table-tested.
struct ProbeTimeouts: Sendable, Hashable {
    static let first = 5
    static let full = 20
    private(set) var next = Self.first

    /// Takes the last lines of a failed try into account.
    mutating func record(_ tail: [String]) {
        let text = tail.joined(separator: "\n")
        if text.contains("timed out") {
            next = min(Self.full, next + 1)
        } else {
            next = Self.full
        }
    }
}
