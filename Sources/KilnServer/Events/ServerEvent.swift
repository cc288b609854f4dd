import KilnSpec

/// One event of `/kiln/v1/events`: a reconcile pass, an object's status, an execution's progress, the sync state.
public struct ServerEvent: Sendable, Hashable {
    /// `<boot>.<sequence>`: the boot part changes when the server restarts, so that a client resuming with an id from
    /// an earlier run is told to start over rather than silently missing events.
    public var id: String
    public var sequence: UInt64
    public var type: String
    public var data: SpecValue

    /// The event as a Server-Sent Events frame.
    public var frame: String {
        "id: \(id)\nevent: \(type)\ndata: \(data.canonicalJSON)\n\n"
    }
}
