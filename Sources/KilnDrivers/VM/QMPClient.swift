import Foundation

/// A minimal client of qemu's QMP protocol over its unix socket: greeting, capabilities, one command, one answer.
enum QMPClient {
    struct QMPError: Error, CustomStringConvertible {
        var description: String
    }

    /// Sends `command` and returns the `return` member of qemu's answer.
    static func execute(_ command: String, socket path: String, timeout: TimeInterval = 2) throws -> [String: Any] {
        let fd = Foundation.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw QMPError(description: "socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw QMPError(description: "socket path too long: \(path)") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { throw QMPError(description: "cannot connect to \(path): \(String(cString: strerror(errno)))") }
        var reader = LineReader(fd: fd)
        _ = try reader.message()  // greeting
        try send(#"{"execute":"qmp_capabilities"}"#, fd)
        _ = try reader.answer()
        try send(#"{"execute":"\#(command)"}"#, fd)
        return try reader.answer()
    }

    static func send(_ text: String, _ fd: Int32) throws {
        let line = Array((text + "\n").utf8)
        guard write(fd, line, line.count) == line.count else { throw QMPError(description: "cannot write to qemu") }
    }

    struct LineReader {
        let fd: Int32
        var buffer: [UInt8] = []

        mutating func message() throws -> [String: Any] {
            while true {
                if let newline = buffer.firstIndex(of: 0x0A) {
                    let line = Array(buffer[..<newline])
                    buffer.removeFirst(newline + 1)
                    if let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] { return object }
                    continue
                }
                var chunk = [UInt8](repeating: 0, count: 4096)
                let n = read(fd, &chunk, chunk.count)
                guard n > 0 else { throw QMPError(description: "qemu closed the QMP socket") }
                buffer += chunk[0..<n]
            }
        }

        /// The next answer, skipping asynchronous events.
        mutating func answer() throws -> [String: Any] {
            while true {
                let m = try message()
                if let error = m["error"] as? [String: Any] { throw QMPError(description: "qemu: \(error["desc"] ?? error)") }
                if let value = m["return"] { return value as? [String: Any] ?? [:] }
            }
        }
    }
}
