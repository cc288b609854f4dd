import Foundation
import Glibc

/// A few QMP commands to the build VM's qemu over its monitor socket: blocking, on a thread of its own, with a
/// deadline on every read. (The VM driver's QMP client lives above the builder; this one needs three commands.)
///
/// The socket is reached through its folder's descriptor (`/proc/self/fd/N/NAME`), since a work folder's path may
/// be longer than the 108 bytes a unix socket address holds.
enum QMPConnection {
    enum Failure: Error, Sendable, Hashable, CustomStringConvertible {
        /// Nothing listens yet (qemu is starting) or the socket is gone.
        case unreachable(String)
        case protocolError(String)

        var description: String {
            switch self {
            case .unreachable(let reason): "qemu's monitor cannot be reached: \(reason)"
            case .protocolError(let reason): "qemu's monitor answered unexpectedly: \(reason)"
            }
        }
    }

    /// Sends `qmp_capabilities`, then each command (a JSON object as text), and returns each command's `return`
    /// value as JSON text. Events are skipped. With `quit`, qemu may close the socket before answering: that counts
    /// as the answer.
    static func send(
        folder: String, socket name: String, commands: [String], readTimeoutSeconds: Int = 30
    ) async -> Result<[String], Failure> {
        let result = try? await OffThread.run { () throws(BuildError) -> Result<[String], Failure> in
            blockingSend(folder: folder, socket: name, commands: commands, readTimeoutSeconds: readTimeoutSeconds)
        }
        return result ?? .failure(.protocolError("no thread to talk to qemu from"))
    }

    private static func blockingSend(
        folder: String, socket name: String, commands: [String], readTimeoutSeconds: Int
    ) -> Result<[String], Failure> {
        let directory = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directory >= 0 else { return .failure(.unreachable("\(folder): \(FileSystem.errorText())")) }
        defer { close(directory) }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(.unreachable(FileSystem.errorText())) }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = Array("/proc/self/fd/\(directory)/\(name)".utf8)
        guard path.count < MemoryLayout.size(ofValue: address.sun_path) else {
            return .failure(.unreachable("socket name too long"))
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path)
            raw[path.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else { return .failure(.unreachable(FileSystem.errorText())) }
        var timeout = timeval(tv_sec: readTimeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var reader = LineReader(fd: fd)
        guard let greeting = reader.line(), greeting.contains("\"QMP\"") else {
            return .failure(.protocolError("no greeting"))
        }
        var answers: [String] = []
        for command in [#"{"execute":"qmp_capabilities"}"#] + commands {
            let bytes = Array((command + "\n").utf8)
            guard
                bytes.withUnsafeBytes({ Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == bytes.count
            else {
                if command.contains("\"quit\"") {
                    answers.append("{}")
                    continue
                }
                return .failure(.protocolError("cannot send \(command): \(FileSystem.errorText())"))
            }
            while true {
                guard let line = reader.line() else {
                    if command.contains("\"quit\"") {
                        answers.append("{}")
                        break
                    }
                    return .failure(.protocolError("no answer to \(command)"))
                }
                guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
                    continue
                }
                if object["event"] != nil { continue }
                if let error = object["error"] as? [String: Any] {
                    return .failure(.protocolError("\(command): \(error["desc"] as? String ?? line)"))
                }
                if let value = object["return"] {
                    // HMP's answer (`human-monitor-command`) is a string: kept as it is; anything else as JSON.
                    let text =
                        value as? String
                        ?? (try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed])).map {
                            String(decoding: $0, as: UTF8.self)
                        }
                    answers.append(text ?? "{}")
                    break
                }
            }
        }
        return .success(Array(answers.dropFirst()))
    }

    /// Reads newline-ended lines from a socket; nil at end of file, on error or on the read deadline.
    private struct LineReader {
        let fd: Int32
        var buffer: [UInt8] = []

        mutating func line() -> String? {
            while true {
                if let end = buffer.firstIndex(of: 0x0A) {
                    let line = String(decoding: buffer[..<end], as: UTF8.self)
                    buffer.removeSubrange(...end)
                    return line
                }
                var chunk = [UInt8](repeating: 0, count: 4096)
                let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                guard count > 0 else { return nil }
                buffer += chunk[..<count]
                if buffer.count > 1 << 20 { return nil }
            }
        }
    }

    /// The host port qemu's user-mode network forwards to the guest's 22, from HMP `info usernet`:
    /// `TCP[HOST_FORWARD]   8   127.0.0.1 33895   10.0.2.15   22   0   0`.
    static func forwardedPort(usernet: String, guestPort: Int = 22) -> Int? {
        for line in usernet.split(whereSeparator: \.isNewline) {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.first?.hasPrefix("TCP[HOST_FORWARD]") == true, fields.count >= 6,
                Int(fields[5]) == guestPort, let port = Int(fields[3]), port > 0
            else { continue }
            return port
        }
        return nil
    }
}
