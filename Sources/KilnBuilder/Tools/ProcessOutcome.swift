/// How a finished process ended and the last lines it printed (stdout and stderr together).
struct ProcessOutcome: Sendable, Hashable {
    enum Status: Sendable, Hashable, CustomStringConvertible {
        case exited(Int32)
        case signaled(Int32)
        /// Killed by Kiln because it ran past its time limit.
        case timedOut

        var description: String {
            switch self {
            case .exited(let code): "exit code \(code)"
            case .signaled(let signal): "killed by signal \(signal)"
            case .timedOut: "timed out"
            }
        }
    }

    var status: Status
    var tail: [String]

    var succeeded: Bool { status == .exited(0) }
    var tailText: String { tail.joined(separator: "\n") }
}
