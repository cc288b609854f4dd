import Hummingbird
import HummingbirdCore
import NIOCore

/// What keeps slow or idle clients from holding the server: a cap on open connections; a deadline for a request's
/// whole header block, from the connection's start or the previous answer's end (Hummingbird's idle timeout starts
/// then and stops only at a complete header block, so a slowloris that trickles header bytes is cut off too); and caps
/// on header sizes (431 past them). A streamed answer (events, a followed log) is not subject to the deadline.
public struct ConnectionLimits: Sendable {
    public var maxConnections: Int
    public var headerTimeout: Duration
    public var maxHeaderFieldSize: Int
    public var maxHeaderListSize: Int

    public init(
        maxConnections: Int = 1024, headerTimeout: Duration = .seconds(30),
        maxHeaderFieldSize: Int = 8192, maxHeaderListSize: Int = 32768
    ) {
        self.maxConnections = maxConnections
        self.headerTimeout = headerTimeout
        self.maxHeaderFieldSize = maxHeaderFieldSize
        self.maxHeaderListSize = maxHeaderListSize
    }

    var http1: HTTP1Channel.Configuration {
        HTTP1Channel.Configuration(
            additionalChannelHandlers: [
                OversizedHeadersHandler(
                    maxFieldSize: maxHeaderFieldSize, maxListSize: maxHeaderListSize,
                    maxFieldCount: Self.maxHeaderFieldCount)
            ],
            idleTimeout: TimeAmount(headerTimeout),
            httpDecoderConfiguration: .init(
                maxHeaderFieldSize: maxHeaderFieldSize, maxHeaderListSize: maxHeaderListSize,
                maxHeaderFieldCount: Self.maxHeaderFieldCount))
    }

    /// Most header fields in one request.
    static let maxHeaderFieldCount = 200
}

extension TimeAmount {
    init(_ duration: Duration) {
        let components = duration.components
        self = .nanoseconds(components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000)
    }
}
