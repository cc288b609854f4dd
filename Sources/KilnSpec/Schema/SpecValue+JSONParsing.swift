/// Parses JSON text into a ``SpecValue``: what the catalog stores (specs, labels, statuses) is read back on every
/// reconcile pass, tens of thousands of small documents, where Foundation's JSONSerialization cost most of a second.
extension SpecValue {
    public init?(json text: String) {
        var text = text
        let parsed: SpecValue? = text.withUTF8 { buffer in
            var parser = JSONParser(bytes: buffer)
            guard let value = parser.value() else { return nil }
            parser.skipSpace()
            return parser.index == buffer.count ? value : nil
        }
        guard let parsed else { return nil }
        self = parsed
    }
}

private struct JSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    mutating func skipSpace() {
        while index < bytes.count,
            bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09
        {
            index += 1
        }
    }

    mutating func literal(_ word: StaticString, _ value: SpecValue) -> SpecValue? {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { return nil }
        for i in 0..<count where bytes[index + i] != word.utf8Start[i] { return nil }
        index += count
        return value
    }

    mutating func value() -> SpecValue? {
        skipSpace()
        guard index < bytes.count else { return nil }
        switch bytes[index] {
        case 0x7B: return object()
        case 0x5B: return list()
        case 0x22: return string().map(SpecValue.string)
        case 0x74: return literal("true", .bool(true))
        case 0x66: return literal("false", .bool(false))
        case 0x6E: return literal("null", .null)
        default: return number()
        }
    }

    mutating func object() -> SpecValue? {
        index += 1
        var fields: [String: SpecValue] = [:]
        skipSpace()
        if index < bytes.count, bytes[index] == 0x7D {
            index += 1
            return .object(fields)
        }
        while true {
            skipSpace()
            guard index < bytes.count, bytes[index] == 0x22, let key = string() else { return nil }
            skipSpace()
            guard index < bytes.count, bytes[index] == 0x3A else { return nil }
            index += 1
            guard let value = value() else { return nil }
            fields[key] = value
            skipSpace()
            guard index < bytes.count else { return nil }
            if bytes[index] == 0x2C {
                index += 1
                continue
            }
            if bytes[index] == 0x7D {
                index += 1
                return .object(fields)
            }
            return nil
        }
    }

    mutating func list() -> SpecValue? {
        index += 1
        var items: [SpecValue] = []
        skipSpace()
        if index < bytes.count, bytes[index] == 0x5D {
            index += 1
            return .list(items)
        }
        while true {
            guard let value = value() else { return nil }
            items.append(value)
            skipSpace()
            guard index < bytes.count else { return nil }
            if bytes[index] == 0x2C {
                index += 1
                continue
            }
            if bytes[index] == 0x5D {
                index += 1
                return .list(items)
            }
            return nil
        }
    }

    mutating func string() -> String? {
        index += 1
        let start = index
        // The common case: no escapes, one copy of the bytes.
        while index < bytes.count, bytes[index] != 0x22, bytes[index] != 0x5C { index += 1 }
        guard index < bytes.count else { return nil }
        if bytes[index] == 0x22 {
            defer { index += 1 }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        }
        var out = Array(bytes[start..<index])
        while index < bytes.count {
            let c = bytes[index]
            if c == 0x22 {
                index += 1
                return String(decoding: out, as: UTF8.self)
            }
            if c != 0x5C {
                out.append(c)
                index += 1
                continue
            }
            index += 1
            guard index < bytes.count else { return nil }
            let e = bytes[index]
            index += 1
            switch e {
            case 0x22, 0x5C, 0x2F: out.append(e)
            case 0x62: out.append(0x08)
            case 0x66: out.append(0x0C)
            case 0x6E: out.append(0x0A)
            case 0x72: out.append(0x0D)
            case 0x74: out.append(0x09)
            case 0x75:
                guard var scalar = hex4() else { return nil }
                if (0xD800...0xDBFF).contains(scalar) {
                    guard index + 1 < bytes.count, bytes[index] == 0x5C, bytes[index + 1] == 0x75 else { return nil }
                    index += 2
                    guard let low = hex4(), (0xDC00...0xDFFF).contains(low) else { return nil }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let unicode = Unicode.Scalar(scalar) else { return nil }
                out += Array(String(Character(unicode)).utf8)
            default: return nil
            }
        }
        return nil
    }

    mutating func hex4() -> UInt32? {
        guard index + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[index]
            let digit: UInt32
            switch c {
            case 0x30...0x39: digit = UInt32(c - 0x30)
            case 0x41...0x46: digit = UInt32(c - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(c - 0x61 + 10)
            default: return nil
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    mutating func number() -> SpecValue? {
        let start = index
        var isDouble = false
        while index < bytes.count {
            let c = bytes[index]
            if (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x2B {
                index += 1
            } else if c == 0x2E || c == 0x65 || c == 0x45 {
                isDouble = true
                index += 1
            } else {
                break
            }
        }
        guard index > start else { return nil }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        if !isDouble, let i = Int(text) { return .int(i) }
        return Double(text).map(SpecValue.double)
    }
}
