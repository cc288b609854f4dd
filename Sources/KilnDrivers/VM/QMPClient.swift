import Foundation
import KilnSpec
import NIOCore
import NIOPosix
import Synchronization

/// An asynchronous client of qemu's QMP protocol (and of qemu-guest-agent's, which is the same JSON lines without the
/// greeting) over a unix socket, through SwiftNIO: no thread blocks while qemu thinks, and every session has a
/// deadline, so one stuck qemu cannot hold up a reconcile pass.
struct QMPClient: Sendable {
    enum Dialect: Sendable {
        /// qemu's monitor: a greeting, then `qmp_capabilities`, then commands; asynchronous events are skipped.
        case qmp
        /// qemu-guest-agent over a virtio-serial channel: no greeting; a `guest-sync` with a fresh id first, so that
        /// an answer left over from an earlier, timed-out session is never taken for ours.
        case guestAgent
    }

    var socket: String
    var dialect: Dialect = .qmp
    /// The whole session's deadline: connecting, the handshake and every command.
    var timeout: Duration = .seconds(5)

    /// Sends `command` and returns the `return` member of the answer.
    func execute(_ command: String, arguments: SpecValue? = nil) async throws(QMPError) -> SpecValue {
        try await session([QMPCommand(command, arguments)]).first ?? .null
    }

    /// Sends `commands` in order on one connection and returns each answer's `return` member.
    func session(_ commands: [QMPCommand]) async throws(QMPError) -> [SpecValue] {
        let open = ChannelSlot()
        let limit = timeout
        let outcome: Race = await withTaskGroup(of: Race.self) { group in
            group.addTask { await exchange(commands, open: open) }
            group.addTask {
                do { try await Task.sleep(for: limit) } catch { return .cancelled }
                return .timedOut
            }
            let first = await group.next() ?? .cancelled
            // Closing the channel ends the exchange if it is still waiting on qemu.
            open.close()
            group.cancelAll()
            return first
        }
        switch outcome {
        case .answered(let values): return values
        case .failed(let error): throw error
        case .timedOut: throw .timedOut(socket, limit)
        case .cancelled: throw .timedOut(socket, .zero)
        }
    }

    /// A connected, non-blocking socket to `path`. Any path length works: a unix socket address holds 107 bytes (and
    /// NIO accepts only 103), so a longer path is reached through its folder's descriptor (`/proc/self/fd/N/name`).
    static func connect(_ path: String) throws(QMPError) -> Int32 {
        var target = path
        var folder: Int32 = -1
        defer { if folder >= 0 { close(folder) } }
        if path.utf8.count > 100, let slash = path.lastIndex(of: "/") {
            // O_PATH (0o10000000 on Linux; Glibc's module does not export it): a handle on the folder, not opened for reading.
            folder = open(String(path[..<slash]), 0o10000000 | O_DIRECTORY | O_CLOEXEC)
            guard folder >= 0 else { throw .unreachable(path, String(cString: strerror(errno))) }
            target = "/proc/self/fd/\(folder)/\(path[path.index(after: slash)...])"
        }
        let fd = Glibc.socket(
            AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw .unreachable(path, String(cString: strerror(errno))) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(target.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw .unreachable(path, "the socket path is too long")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            // A unix socket connects at once or not at all: EAGAIN means qemu's listen queue is full (the monitor is busy).
            let why = String(cString: strerror(errno))
            close(fd)
            throw .unreachable(path, why)
        }
        return fd
    }

    private enum Race: Sendable {
        case answered([SpecValue])
        case failed(QMPError)
        case timedOut
        case cancelled
    }

    private func exchange(_ commands: [QMPCommand], open: ChannelSlot) async -> Race {
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            let descriptor = try Self.connect(socket)
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .withConnectedSocket(descriptor) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(JSONLineDecoder()))
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch let error as QMPError {
            return .failed(error)
        } catch {
            return .failed(.unreachable(socket, "\(error)"))
        }
        open.set(channel.channel)
        do {
            let values = try await channel.executeThenClose { inbound, outbound in
                var lines = inbound.makeAsyncIterator()
                var reader = AnswerReader()
                func next() async throws -> SpecValue {
                    while true {
                        guard let buffer = try await lines.next() else { throw QMPError.closed(socket) }
                        if let message = reader.parse(buffer) { return message }
                    }
                }
                func send(_ command: QMPCommand) async throws {
                    try await outbound.write(ByteBuffer(string: command.json + "\n"))
                }
                func answer() async throws -> SpecValue {
                    while true {
                        let message = try await next()
                        if let error = message["error"] {
                            throw QMPError.refused(error["desc"]?.string ?? error.canonicalJSON)
                        }
                        if let value = message["return"] { return value }
                    }
                }
                switch dialect {
                case .qmp:
                    _ = try await next()  // the greeting
                    try await send(QMPCommand("qmp_capabilities"))
                    _ = try await answer()
                case .guestAgent:
                    let id = Int.random(in: 1...Int(Int32.max))
                    try await send(QMPCommand("guest-sync", .object(["id": .int(id)])))
                    while try await answer() != .int(id) {}
                }
                var values: [SpecValue] = []
                for command in commands {
                    try await send(command)
                    values.append(try await answer())
                }
                return values
            }
            return .answered(values)
        } catch let error as QMPError {
            return .failed(error)
        } catch {
            return .failed(.closed(socket))
        }
    }
}

/// The session's connection, once made: closed by whoever finishes first (the answer or the deadline).
final class ChannelSlot: Sendable {
    private let channel = Mutex<(any Channel)?>(nil)
    private let closed = Mutex(false)

    func set(_ value: any Channel) {
        channel.withLock { $0 = value }
        // The deadline may have passed while connecting.
        if closed.withLock({ $0 }) { value.close(promise: nil) }
    }

    func close() {
        closed.withLock { $0 = true }
        channel.withLock { $0?.close(promise: nil) }
    }
}

/// One QMP command and its arguments.
struct QMPCommand: Sendable, Hashable {
    var name: String
    var arguments: SpecValue?

    init(_ name: String, _ arguments: SpecValue? = nil) {
        self.name = name
        self.arguments = arguments
    }

    var json: String {
        var fields: [String: SpecValue] = ["execute": .string(name)]
        if let arguments { fields["arguments"] = arguments }
        return SpecValue.object(fields).canonicalJSON
    }
}

/// Why a QMP session failed.
enum QMPError: Error, Sendable, CustomStringConvertible {
    case unreachable(String, String)
    case closed(String)
    case timedOut(String, Duration)
    case refused(String)

    var description: String {
        switch self {
        case .unreachable(let socket, let why): "cannot connect to \(socket): \(why)"
        case .closed(let socket): "qemu closed \(socket) before answering"
        case .timedOut(let socket, let limit): "no answer on \(socket) within \(limit)"
        case .refused(let why): "qemu refused the command: \(why)"
        }
    }
}

/// Splits the byte stream into lines; each line of QMP is one JSON object.
struct JSONLineDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    /// A line longer than this is not QMP: the session ends rather than buffering without bound.
    static let maxLine = 1 << 20

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if let newline = buffer.readableBytesView.firstIndex(of: 0x0A) {
            let length = newline - buffer.readerIndex
            let line = buffer.readSlice(length: length)!
            buffer.moveReaderIndex(forwardBy: 1)
            context.fireChannelRead(wrapInboundOut(line))
            return .continue
        }
        if buffer.readableBytes > Self.maxLine { throw QMPError.refused("a line of more than \(Self.maxLine) bytes") }
        return .needMoreData
    }

    mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }
}

/// Turns lines into JSON objects, skipping what is not one (the guest agent's 0xFF sync delimiter, blank lines).
struct AnswerReader {
    mutating func parse(_ buffer: ByteBuffer) -> SpecValue? {
        let bytes = buffer.readableBytesView.filter { $0 != 0xFF }
        guard let text = String(validating: bytes, as: UTF8.self), let value = SpecValue(json: text),
            value.object != nil
        else { return nil }
        return value
    }
}
