import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A qemu monitor for tests and benchmarks: listens on a unix socket and speaks enough QMP (greeting,
/// `qmp_capabilities`, `query-status`, `system_powerdown`, `quit`; a command's `id` echoed) to stand in for a running
/// qemu. Unlike qemu it serves several clients at once. It can also be told
/// to hang (accept and never answer), to test deadlines.
public final class FakeQMPServer: Sendable {
    public enum Behaviour: Sendable {
        /// Answers with this run state (`running`, `paused`, `shutdown` …).
        case answer(status: String)
        /// Accepts connections and never writes a byte.
        case hang
        /// qemu-guest-agent: no greeting; echoes `guest-sync`, and answers `guest-get-osinfo` and
        /// `guest-network-get-interfaces` with these JSON values.
        case agent(osinfo: String, interfaces: String)
    }

    public let socket: String
    private let channel: any Channel
    private let state: FakeQMPState

    public init(socket: String, behaviour: Behaviour = .answer(status: "running")) async throws {
        self.socket = socket
        let state = FakeQMPState(behaviour)
        self.state = state
        try? FileManager.default.removeItem(atPath: socket)
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(FakeQMPHandler(state: state))
                }
            }
            .bind(unixDomainSocketPath: socket, cleanupExistingSocketFile: true)
            .get()
    }

    public func set(_ behaviour: Behaviour) { state.value.withLock { $0.behaviour = behaviour } }

    /// What `query-chardev` says of the guest agent's port (`qga0`): whether the guest has opened it.
    public func setAgentPortOpen(_ open: Bool) { state.agentOpen.withLock { $0 = open } }

    /// The commands received so far, in order (`qmp_capabilities` included).
    public var commands: [String] { state.value.withLock { $0.commands } }

    public func close() async {
        try? await channel.close()
        try? FileManager.default.removeItem(atPath: socket)
    }
}

/// What a fake monitor does and has been asked, shared by its connections.
final class FakeQMPState: Sendable {
    let value: Mutex<(behaviour: FakeQMPServer.Behaviour, commands: [String])>
    let agentOpen = Mutex(false)
    init(_ behaviour: FakeQMPServer.Behaviour) { value = Mutex((behaviour, [])) }
}

/// Lives on its connection's event loop only (made there by the initializer, used there by NIO), so it needs no lock.
private final class FakeQMPHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let state: FakeQMPState
    /// Bytes of an unfinished line.
    var pending: [UInt8] = []

    init(state: FakeQMPState) { self.state = state }

    func channelActive(context: ChannelHandlerContext) {
        guard case .answer = state.value.withLock({ $0.behaviour }) else { return }
        write(#"{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}}, "capabilities": []}}"#, context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        pending += buffer.readBytes(length: buffer.readableBytes) ?? []
        while let newline = pending.firstIndex(of: 0x0A) {
            let line = String(decoding: pending[..<newline], as: UTF8.self)
            pending.removeFirst(newline + 1)
            answer(line, context)
        }
    }

    func answer(_ line: String, _ context: ChannelHandlerContext) {
        let command =
            line.range(of: #""execute":"([a-z_-]+)""#, options: .regularExpression)
            .map { String(line[$0].dropFirst(11).dropLast()) } ?? "?"
        let behaviour = state.value.withLock { value -> FakeQMPServer.Behaviour in
            value.commands.append(command)
            return value.behaviour
        }
        if case .agent(var osinfo, var interfaces) = behaviour {
            // One JSON value per line, as the agent writes them.
            osinfo = osinfo.split(whereSeparator: \.isNewline).joined(separator: " ")
            interfaces = interfaces.split(whereSeparator: \.isNewline).joined(separator: " ")
            switch command {
            case "guest-sync":
                let id =
                    line.range(of: #""id":[0-9]+"#, options: .regularExpression).map { String(line[$0].dropFirst(5)) }
                    ?? "0"
                write(#"{"return": \#(id)}"#, context)
            case "guest-get-osinfo": write(#"{"return": \#(osinfo)}"#, context)
            case "guest-network-get-interfaces": write(#"{"return": \#(interfaces)}"#, context)
            default: write(#"{"error": {"class": "CommandNotFound", "desc": "unknown command"}}"#, context)
            }
            return
        }
        guard case .answer(let status) = behaviour else { return }
        // qemu echoes a command's `id` in its answer.
        let id = line.range(of: #""id":("[^"]*"|[0-9]+)"#, options: .regularExpression).map {
            String(line[$0].dropFirst(5))
        }
        func reply(_ text: String, _ context: ChannelHandlerContext) {
            write(id.map { String(text.dropLast()) + #", "id": \#($0)}"# } ?? text, context)
        }
        switch command {
        case "query-status":
            reply(
                #"{"return": {"status": "\#(status)", "singlestep": false, "running": \#(status == "running")}}"#,
                context)
        case "query-chardev":
            let open = state.agentOpen.withLock { $0 }
            reply(
                #"{"return": [{"label": "qga0", "filename": "unix:qga.sock,server=on", "frontend-open": \#(open)}]}"#,
                context)
        case "quit":
            reply(#"{"return": {}}"#, context)
            context.close(promise: nil)
        default:
            reply(#"{"return": {}}"#, context)
        }
    }

    func write(_ text: String, _ context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text + "\r\n")), promise: nil)
    }
}
