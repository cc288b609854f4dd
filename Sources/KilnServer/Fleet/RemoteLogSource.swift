import KilnCatalog
import NIOCore

/// Where a fleet replica gets the log of an execution that ran on another host (issue 13): the log is in that host's
/// data dir, so the replica asks that host's own log route and passes its answer on. Wired in by whoever runs the
/// server (`kiln serve` in a fleet); nil everywhere else.
public protocol RemoteLogSource: Sendable {
    /// The owner's answer to `GET /api/image-builds/{build}/executions/{number}/log` (`follow`, and `range` as the
    /// client's `Range` header), or nil when no other host holds the log.
    func log(of execution: ExecutionRecord, follow: Bool, range: String?) async throws -> RemoteLog?
}

/// Another host's answer: its status, the headers worth passing on, and its body as it arrives.
public struct RemoteLog: Sendable {
    public var status: Int
    /// `Content-Type`, `Content-Range`, `Accept-Ranges` (the name lower-cased) and their values.
    public var headers: [String: String]
    public var body: AsyncThrowingStream<ByteBuffer, any Error>
    /// The host that answered.
    public var host: String

    public init(status: Int, headers: [String: String], body: AsyncThrowingStream<ByteBuffer, any Error>, host: String)
    {
        self.status = status
        self.headers = headers
        self.body = body
        self.host = host
    }
}
