/// Cuts a byte stream into lines for the log: `\n` ends a line, a trailing `\r` is dropped, invalid UTF-8 is
/// replaced, and a line longer than `maxLineBytes` is cut so one endless line cannot hold the whole output.
struct LineSplitter: Sendable {
    let maxLineBytes: Int
    private var pending: [UInt8] = []

    init(maxLineBytes: Int = 8192) {
        self.maxLineBytes = maxLineBytes
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) -> [String] {
        var lines: [String] = []
        for byte in bytes {
            if byte == 0x0A {
                lines.append(take())
            } else {
                pending.append(byte)
                if pending.count >= maxLineBytes { lines.append(take()) }
            }
        }
        return lines
    }

    mutating func append(_ bytes: [UInt8]) -> [String] {
        bytes.withUnsafeBytes { append($0) }
    }

    /// The last, unterminated line, if any.
    mutating func finish() -> String? {
        pending.isEmpty ? nil : take()
    }

    private mutating func take() -> String {
        if pending.last == 0x0D { pending.removeLast() }
        defer { pending.removeAll(keepingCapacity: true) }
        return String(decoding: pending, as: UTF8.self)
    }
}
