/// Reads a Server-Sent Events stream (the WHATWG event-stream format) from chunks of bytes, however the chunks cut it:
/// `id:`, `event:` and `data:` fields, comments and `retry:` skipped, a blank line ends an event. Pure, so it is
/// tested without a server.
struct ServerSentEvents {
    struct Event: Sendable, Hashable {
        var id: String?
        var type: String
        var data: String
    }

    private var buffer: [UInt8] = []
    private var id: String?
    private var type = ""
    private var data: [String] = []
    private var hasData = false
    /// The id of the last event read, for `Last-Event-ID` on a reconnect.
    private(set) var lastEventID: String?

    /// Feeds bytes; returns the events they complete.
    mutating func feed(_ bytes: some Sequence<UInt8>) -> [Event] {
        buffer.append(contentsOf: bytes)
        var events: [Event] = []
        var start = 0
        var index = 0
        while index < buffer.count {
            let byte = buffer[index]
            if byte == 0x0A || byte == 0x0D {
                // A CR that ends the buffer may be the first half of CRLF: wait for the next byte.
                if byte == 0x0D, index + 1 == buffer.count { break }
                let line = String(decoding: buffer[start..<index], as: UTF8.self)
                if byte == 0x0D, buffer[index + 1] == 0x0A { index += 1 }
                if let event = take(line) { events.append(event) }
                start = index + 1
            }
            index += 1
        }
        buffer.removeFirst(start)
        return events
    }

    private mutating func take(_ line: String) -> Event? {
        if line.isEmpty {
            defer {
                type = ""
                data = []
                hasData = false
            }
            guard hasData else { return nil }
            if let id { lastEventID = id }
            return Event(id: id, type: type.isEmpty ? "message" : type, data: data.joined(separator: "\n"))
        }
        if line.hasPrefix(":") { return nil }
        let field: Substring
        var value: Substring
        if let colon = line.firstIndex(of: ":") {
            field = line[..<colon]
            value = line[line.index(after: colon)...]
            if value.hasPrefix(" ") { value = value.dropFirst() }
        } else {
            field = line[...]
            value = ""
        }
        switch field {
        case "id" where !value.contains("\0"): id = String(value)
        case "event": type = String(value)
        case "data":
            data.append(String(value))
            hasData = true
        default: break
        }
        return nil
    }
}
