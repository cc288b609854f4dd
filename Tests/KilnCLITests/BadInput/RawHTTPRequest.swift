import Crypto
import Foundation

/// An `.http` case's request, sent byte for byte over a loopback TCP connection (curl would fix what the case breaks).
///
/// The template after the header comments is a request head, a blank line and a body. Before sending:
/// `\xNN` becomes that byte; `{repeat:N:text}` becomes text N times; `{repeat-lines:N:text}` becomes N lines of
/// text; `{sign}` becomes the GitHub signature (`sha256=<HMAC>`) of the body with the server's webhook secret. Head
/// lines end in CRLF; `Host`, `Connection: close` and `Content-Length` (when there is a body and no framing header)
/// are added.
struct RawHTTPRequest {
    var bytes: [UInt8]

    init(template: String, secret: String) {
        var text = Self.expand(template)
        // The first blank line splits head and body; the body's last newline is the file's, not the request's.
        let head: String
        var body: String
        if let split = text.range(of: "\n\n") {
            head = String(text[..<split.lowerBound])
            body = String(text[split.upperBound...])
        } else {
            head = text.hasSuffix("\n") ? String(text.dropLast()) : text
            body = ""
        }
        if body.hasSuffix("\n") { body.removeLast() }
        var lines = head.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if body.isEmpty == false {
            let mac = HMAC<SHA256>.authenticationCode(
                for: Array(body.utf8), using: SymmetricKey(data: Array(secret.utf8)))
            let signature = "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
            lines = lines.map { $0.replacingOccurrences(of: "{sign}", with: signature) }
        }
        let lower = lines.map { $0.lowercased() }
        lines.append("Host: 127.0.0.1")
        lines.append("Connection: close")
        if !body.isEmpty,
            !lower.contains(where: { $0.hasPrefix("content-length:") || $0.hasPrefix("transfer-encoding:") })
        {
            lines.append("Content-Length: \(body.utf8.count)")
        }
        text = lines.joined(separator: "\r\n") + "\r\n\r\n" + body
        bytes = Self.unescape(text)
    }

    static func expand(_ template: String) -> String {
        var text = template
        let pattern = try! NSRegularExpression(pattern: #"\{(repeat|repeat-lines):(\d+):([^}]*)\}"#)
        while let match = pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) {
            let whole = Range(match.range, in: text)!
            let kind = String(text[Range(match.range(at: 1), in: text)!])
            let count = Int(text[Range(match.range(at: 2), in: text)!])!
            let unit = String(text[Range(match.range(at: 3), in: text)!])
            let replacement =
                kind == "repeat"
                ? String(repeating: unit, count: count)
                : Array(repeating: unit, count: count).joined(separator: "\n")
            text.replaceSubrange(whole, with: replacement)
        }
        return text
    }

    /// UTF-8 bytes of `text` with each `\xNN` replaced by the byte it names.
    static func unescape(_ text: String) -> [UInt8] {
        let utf8 = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count)
        var i = 0
        while i < utf8.count {
            if utf8[i] == UInt8(ascii: "\\"), i + 3 < utf8.count, utf8[i + 1] == UInt8(ascii: "x"),
                let byte = UInt8(String(decoding: utf8[(i + 2)...(i + 3)], as: UTF8.self), radix: 16)
            {
                out.append(byte)
                i += 4
            } else {
                out.append(utf8[i])
                i += 1
            }
        }
        return out
    }

    /// Sends the request to `127.0.0.1:port` and reads until the server closes (or 120 s pass: a hang). A server
    /// that answers before reading everything (413, 431) may reset the connection: what it sent still counts.
    func send(port: Int) -> (status: Int, response: String) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return (0, "socket() failed") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 120, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { return (0, "connect() failed: \(String(cString: strerror(errno)))") }
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { break }
            sent += n
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            response += buffer[0..<n]
        }
        let text = String(decoding: response, as: UTF8.self)
        let statusLine = text.prefix { $0 != "\r" && $0 != "\n" }
        let parts = statusLine.split(separator: " ")
        let status = parts.count >= 2 && parts[0].hasPrefix("HTTP/") ? Int(parts[1]) ?? 0 : 0
        return (status, text)
    }
}
