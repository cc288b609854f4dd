/// The connect timeouts (ssh's `ConnectTimeout`, seconds) of the tries that wait for the build VM's SSH server.
///
/// qemu's user-mode network accepts a forwarded connection on the host side at once, before the guest has any
/// network: ssh then waits its whole connect timeout for a banner ("Connection timed out during banner exchange").
/// With a fixed 20 s, an SSH server that starts just after a try began is found up to 20 s late (later still in a long
/// try: qemu resends the SYN with growing back-off). So the tries are short (5 s), growing by a second only every three
/// such time-outs (a slow server still gets its full 20 s in the end); and once the guest's network answered at all (a
/// reset or closed connection: the guest is up, its server not yet), every further try gets the full 20 s. A pure
/// value, table-tested.
struct ProbeTimeouts: Sendable, Hashable {
    static let first = 5
    static let full = 20
    private var timeouts = 0
    private var guestAnswered = false

    /// The next try's connect timeout, in seconds.
    var next: Int { guestAnswered ? Self.full : min(Self.full, Self.first + timeouts / 3) }

    /// Takes the last lines of a failed try into account.
    mutating func record(_ tail: [String]) {
        if tail.joined(separator: "\n").contains("timed out") {
            timeouts += 1
        } else {
            guestAnswered = true
        }
    }
}
