import Hummingbird
import NIOCore

/// The request context of Kiln's routes: Hummingbird's core storage plus the peer's address, which the rate limiter
/// keys its buckets on.
public struct KilnRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// A webhook's body is small; nothing else reads a body at all.
    public var maxUploadSize: Int { 1 << 20 }
}
