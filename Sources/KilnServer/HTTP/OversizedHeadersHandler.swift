import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Answers a request whose headers overflow the decoder's limits with 431 in the API's error shape, then closes the
/// connection (Hummingbird would answer a bare 400). Later bytes from the client are dropped.
final class OversizedHeadersHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var answered = false
    /// The decoder's limits, which the answer names: the parser cannot tell a long request line from a long header.
    private let maxFieldSize: Int
    private let maxListSize: Int
    private let maxFieldCount: Int

    init(maxFieldSize: Int, maxListSize: Int, maxFieldCount: Int) {
        self.maxFieldSize = maxFieldSize
        self.maxListSize = maxListSize
        self.maxFieldCount = maxFieldCount
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !answered { context.fireChannelRead(data) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if answered { return }
        guard let parserError = error as? HTTPParserError, parserError == .headerOverflow else {
            context.fireErrorCaught(error)
            return
        }
        answered = true
        let message =
            "the request line or a header is longer than \(maxFieldSize) bytes, the headers add up to more than \(maxListSize) bytes, or there are more than \(maxFieldCount) of them: larger than this server accepts"
        let body = ByteBuffer(string: #"{"code":"headers-too-large","message":""# + message + #""}"#)
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        fields[.contentLength] = String(body.readableBytes)
        fields[.connection] = "close"
        context.write(
            wrapOutboundOut(.head(HTTPResponse(status: .requestHeaderFieldsTooLarge, headerFields: fields))),
            promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        // Close our side only, and the whole connection a moment later: closing at once, with the client's
        // oversized headers still unread, would make the kernel reset the connection and drop this answer.
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            context.close(mode: .output, promise: nil)
            context.eventLoop.scheduleTask(in: .seconds(2)) { context.close(promise: nil) }
        }
    }
}
