/// Where one VM runs after placement, and why.
public enum PlacementDecision: Sendable, Hashable {
    /// It stays where it runs: a VM never moves unless it must.
    case stay(host: String)
    /// Placed for the first time.
    case place(host: String)
    /// It must leave its host (``MoveReason``) and goes to another.
    case move(from: String, to: String, reason: MoveReason)
    /// It fits nowhere: it stays `Pending` (not overcommitted), and the message says what it needs and what is free.
    case unschedulable(reason: UnschedulableReason, message: String, from: String?)

    public enum MoveReason: String, Sendable, Hashable {
        /// Its host's heartbeat is older than a lease, or the host is no longer registered.
        case hostLost = "HostLost"
        /// Its host was drained or cordoned.
        case hostCordoned = "HostCordoned"
        /// Its spec's `placement` no longer allows its host.
        case placementChanged = "PlacementChanged"
    }

    public enum UnschedulableReason: String, Sendable, Hashable {
        /// No allowed host has the CPUs and memory it needs free.
        case unschedulable = "Unschedulable"
        /// `placement.host` names a host the fleet does not have: reported, not waited for.
        case unknownHost = "UnknownHost"
    }

    /// The host it runs on after this decision (nil: none).
    public var host: String? {
        switch self {
        case .stay(let host), .place(let host): host
        case .move(_, let to, _): to
        case .unschedulable: nil
        }
    }
}
