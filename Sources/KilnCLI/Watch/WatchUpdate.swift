/// What a watch learns: a full read of the build's executions, one execution that changed, or the build gone.
enum WatchUpdate: Sendable, Hashable {
    case all([WatchedExecution])
    case one(WatchedExecution)
    case gone
}
