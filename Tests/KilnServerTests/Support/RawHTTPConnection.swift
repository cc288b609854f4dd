import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A plain TCP connection to a test server on loopback, for what Hummingbird's test clients cannot do: read a stream
/// that never ends (Server-Sent Events) a piece at a time, or send a malformed request. Reads block for at most
/// `deadline`, a generous bound that only catches a real hang, on a thread of their own: blocked on Swift's
/// cooperative threads, they would starve the in-process server they wait for.
///
/// `@unchecked Sendable`: a test awaits each call before the next, so one thread at a time touches the buffer.
final class RawHTTPConnection: @unchecked Sendable {
    private let socket: Int32
    private var buffer: [UInt8] = []

    init(port: Int, deadline: TimeInterval = 60) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw BodyError(description: "socket() failed") }
        var timeout = timeval(tv_sec: Int(deadline), tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(socket)
            throw BodyError(description: "cannot connect to 127.0.0.1:\(port)")
        }
    }

    deinit { close(socket) }

    func send(_ text: String) async throws {
        try await Self.offThread { try self.sendNow(text) }
    }

    /// Reads until `text` has arrived; returns everything read up to and including it.
    func read(until text: String) async throws -> String {
        try await Self.offThread { try self.readNow(until: text) }
    }

    /// Reads until the server closes the connection.
    func readToEnd() async throws -> String {
        try await Self.offThread { try self.readToEndNow() }
    }

    static func offThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
        }
    }

    private func sendNow(_ text: String) throws {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            let error = errno
            if n < 0, error == EINTR { continue }
            guard n > 0 else { throw BodyError(description: "send failed: \(Self.describe(error))") }
            sent += n
        }
    }

    private func readNow(until text: String) throws -> String {
        let marker = Array(text.utf8)
        while true {
            if let range = Self.find(marker, in: buffer) {
                let out = String(decoding: buffer[..<range.upperBound], as: UTF8.self)
                buffer.removeFirst(range.upperBound)
                return out
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let (n, error) = Self.receive(socket, &chunk)
            guard n > 0 else {
                let why = n == 0 ? "the connection closed" : "the connection stalled (\(Self.describe(error)))"
                throw BodyError(
                    description:
                        "\(why) before \(text.debugDescription); read so far: \(String(decoding: buffer, as: UTF8.self))"
                )
            }
            buffer += chunk[..<n]
        }
    }

    private func readToEndNow() throws -> String {
        let start = ContinuousClock.now
        while true {
            var chunk = [UInt8](repeating: 0, count: 65536)
            let (n, error) = Self.receive(socket, &chunk)
            if n == 0 { break }
            guard n > 0 else {
                throw BodyError(
                    description:
                        "the connection stalled (\(Self.describe(error)), after \(start.duration(to: .now)) of reading); read so far: \(String(decoding: buffer, as: UTF8.self))"
                )
            }
            buffer += chunk[..<n]
        }
        defer { buffer.removeAll() }
        return String(decoding: buffer, as: UTF8.self)
    }

    /// One `recv`, made again when a signal handler interrupted it: with `SO_RCVTIMEO` set, the kernel never restarts
    /// it, even under `SA_RESTART` (signal(7)). Returns the count read, and the error when it is negative.
    private static func receive(_ socket: Int32, _ chunk: inout [UInt8]) -> (Int, Int32) {
        while true {
            let n = recv(socket, &chunk, chunk.count, 0)
            let error = errno
            if n < 0, error == EINTR { continue }
            return (n, error)
        }
    }

    /// A system call's error, named (`EAGAIN` here means the read's deadline passed).
    private static func describe(_ error: Int32) -> String {
        "errno \(error): \(String(cString: strerror(error)))"
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Range<Int>? {
        guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count)
        where haystack[start..<start + needle.count].elementsEqual(needle) {
            return start..<start + needle.count
        }
        return nil
    }
}
