import KilnSpec
import NIOCore
import NIOPosix

/// One QMP monitor connection kept open across commands (``QMPMonitorPool`` holds one per running VM): the greeting and
/// `qmp_capabilities` once, then each command sent with an `id` of its own and matched to the answer carrying it, so
/// qemu's asynchronous events, and an answer left over from an earlier command, are never taken for an answer.
///
/// Every command has a deadline on the event loop: a command not answered in time fails with `timedOut` and closes the
/// connection (the next user makes a new one), so nothing waits on a stuck qemu without bound.
final class QMPMonitorConnection: Sendable {
    let socket: String
    private let channel: any Channel

    private init(socket: String, channel: any Channel) {
        self.socket = socket
        self.channel = channel
    }

    var isActive: Bool { channel.isActive }

    /// Connects to `socket` and completes the handshake, all within `timeout`.
    static func open(_ socket: String, timeout: Duration) async throws(QMPError) -> QMPMonitorConnection {
        let descriptor = try QMPClient.connect(socket)
        let limit = TimeAmount(timeout)
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let greeting = loop.makePromise(of: SpecValue.self)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: loop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandlers(
                            ByteToMessageHandler(JSONLineDecoder()),
                            QMPAnswerHandler(socket: socket, greeting: greeting, timeout: limit))
                    }
                }
                .withConnectedSocket(descriptor)
                .get()
        } catch {
            // The channel owns the descriptor once made; it is not closed here a second time.
            greeting.fail(QMPError.closed(socket))
            throw .unreachable(socket, "\(error)")
        }
        let connection = QMPMonitorConnection(socket: socket, channel: channel)
        do {
            _ = try await greeting.futureResult.get()
            _ = try await connection.execute([QMPCommand("qmp_capabilities")], timeout: timeout)
        } catch {
            connection.close()
            throw QMPMonitorConnection.typed(error, socket)
        }
        return connection
    }

    /// Sends `commands` at once and returns each answer's `return` member, in order; each must be answered within
    /// `timeout` of now. Any failure closes the connection.
    func execute(_ commands: [QMPCommand], timeout: Duration) async throws(QMPError) -> [SpecValue] {
        let limit = TimeAmount(timeout)
        let socket = self.socket
        let promises = commands.map { command in
            let promise = channel.eventLoop.makePromise(of: SpecValue.self)
            // A write that never reaches the handler (the channel closed first) drops the request, and its answer
            // would never come: it fails with the write. (A promise completed twice keeps its first result.)
            let written = channel.eventLoop.makePromise(of: Void.self)
            written.futureResult.whenFailure { _ in promise.fail(QMPError.closed(socket)) }
            channel.write(QMPRequest(command: command, promise: promise, timeout: limit), promise: written)
            return promise
        }
        channel.flush()
        var values: [SpecValue] = []
        do {
            for promise in promises { values.append(try await promise.futureResult.get()) }
        } catch {
            close()
            throw Self.typed(error, socket)
        }
        return values
    }

    func close() { channel.close(promise: nil) }

    static func typed(_ error: any Error, _ socket: String) -> QMPError {
        (error as? QMPError) ?? .closed(socket)
    }
}

/// A command for ``QMPAnswerHandler``: written with a fresh id, answered through `promise`.
struct QMPRequest: Sendable {
    var command: QMPCommand
    var promise: EventLoopPromise<SpecValue>
    var timeout: TimeAmount
}

/// Matches answers to commands by `id`, skips events, and fails what is not answered in time. Lives on its channel's
/// event loop only (made in the channel initializer, used by NIO there), so its state needs no lock.
final class QMPAnswerHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = QMPRequest
    typealias OutboundOut = ByteBuffer

    private struct Pending {
        var promise: EventLoopPromise<SpecValue>
        var deadline: Scheduled<Void>
    }

    let socket: String
    let greeting: EventLoopPromise<SpecValue>
    private let greetingTimeout: TimeAmount
    private var greetingDeadline: Scheduled<Void>?
    private var greeted = false
    private var pending: [String: Pending] = [:]
    private var nextID = 0
    private var reader = AnswerReader()

    init(socket: String, greeting: EventLoopPromise<SpecValue>, timeout: TimeAmount) {
        self.socket = socket
        self.greeting = greeting
        greetingTimeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let (socket, greeting, limit) = (self.socket, self.greeting, greetingTimeout)
        let channel = context.channel
        greetingDeadline = context.eventLoop.assumeIsolated().scheduleTask(in: limit) {
            greeting.fail(QMPError.timedOut(socket, Duration(limit)))
            channel.close(promise: nil)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        nextID += 1
        let id = "kiln-\(nextID)"
        let socket = self.socket
        let channel = context.channel
        let limit = request.timeout
        let deadline = context.eventLoop.assumeIsolated().scheduleTask(in: limit) { [weak self] in
            guard let self, let entry = self.pending.removeValue(forKey: id) else { return }
            entry.promise.fail(QMPError.timedOut(socket, Duration(limit)))
            // A late answer must not be taken for the next command's: the connection ends, the next user makes another.
            channel.close(promise: nil)
        }
        pending[id] = Pending(promise: request.promise, deadline: deadline)
        var fields: [String: SpecValue] = ["execute": .string(request.command.name), "id": .string(id)]
        if let arguments = request.command.arguments { fields["arguments"] = arguments }
        context.write(
            wrapOutboundOut(ByteBuffer(string: SpecValue.object(fields).canonicalJSON + "\n")), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let message = reader.parse(unwrapInboundIn(data)) else { return }
        if !greeted {
            guard message["QMP"] != nil else { return }
            greeted = true
            greetingDeadline?.cancel()
            greeting.succeed(message)
            return
        }
        // Events (`{"event": …}`) and answers nobody waits for are skipped.
        guard let id = message["id"]?.string, let entry = pending.removeValue(forKey: id) else { return }
        entry.deadline.cancel()
        if let error = message["error"] {
            entry.promise.fail(QMPError.refused(error["desc"]?.string ?? error.canonicalJSON))
        } else {
            entry.promise.succeed(message["return"] ?? .null)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(QMPError.closed(socket))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(error as? QMPError ?? .closed(socket))
        context.close(promise: nil)
    }

    private func failAll(_ error: QMPError) {
        if !greeted {
            greeted = true
            greetingDeadline?.cancel()
            greeting.fail(error)
        }
        let entries = pending
        pending = [:]
        for entry in entries.values {
            entry.deadline.cancel()
            entry.promise.fail(error)
        }
    }
}
