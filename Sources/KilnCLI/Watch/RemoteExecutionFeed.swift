import KilnSpec

/// A build's executions as a running server reports them: the event stream is opened first (the server has
/// subscribed once its answer's head is in), then the executions are read whole, then every `execution` event of the
/// build is passed on. A `reset` (events were missed) reads them whole again.
struct RemoteExecutionFeed {
    let server: RemoteServer
    let build: String

    func run(_ emit: (WatchUpdate) throws -> Void) async throws {
        let stream = try await server.open("/kiln/v1/events", accept: "text/event-stream")
        try emit(.all(try await all()))
        var parser = ServerSentEvents()
        for try await chunk in stream.body {
            for event in parser.feed(chunk.readableBytesView) {
                guard let data = SpecValue(json: event.data) else { continue }
                switch event.type {
                case "execution" where data["build"]?.string == build:
                    if let execution = WatchedExecution(data) { try emit(.one(execution)) }
                case "object" where data["kind"]?.string == Kind.imageBuild.rawValue && data["name"]?.string == build:
                    if data["deleted"]?.bool == true { try emit(.gone) }
                case "reset":
                    try emit(.all(try await all()))
                default:
                    break
                }
            }
        }
        throw RemoteError(
            description: "the server at \(server.endpoint.base) closed the event stream (did it stop?)", notFound: false
        )
    }

    /// Every execution of the build, from its status document.
    func all() async throws -> [WatchedExecution] {
        let document = try await server.json("/kiln/v1/status/imagebuild/\(RemoteServer.segment(build))")
        return (document["executions"]?.list ?? []).compactMap(WatchedExecution.init)
    }
}
